import pytest

from decisions import demo


def submitted(author, outcome="share_without_consent", **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


def listed(response):
    return {row["reference"] for row in response.context["page"].object_list}


@pytest.fixture
def records(practitioner, practitioner2, manager, manager2):
    """One submitted record per author, plus a draft of the practitioner's."""
    return {
        "practitioner": submitted(
            practitioner, subject_reference="DEMO-C-1001", other_agency="Northshire Police"
        ),
        "practitioner2": submitted(
            practitioner2,
            "share_with_consent",
            subject_reference="DEMO-C-1002",
            other_agency="Riverside Primary School",
        ),
        "manager": submitted(manager, subject_reference="DEMO-C-1003", other_agency="NHS Trust"),
        "manager2": submitted(
            manager2, subject_reference="DEMO-S-2001", other_agency="Northshire Council"
        ),
        "draft": demo.create_draft(
            author=practitioner,
            answers=demo.finished_answers("share_with_consent", subject_reference="DEMO-C-1009"),
        ),
    }


def test_it_requires_login(client, db):
    response = client.get("/records/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/records/"


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        ("practitioner", {"practitioner"}),
        ("practitioner2", {"practitioner2"}),
        ("manager", {"practitioner", "practitioner2", "manager"}),
        ("manager2", {"manager2"}),
        ("auditor", {"practitioner", "practitioner2", "manager", "manager2"}),
    ],
)
def test_it_lists_only_visible_records(client, request, records, viewer, visible):
    client.force_login(request.getfixturevalue(viewer))

    response = client.get("/records/")

    assert response.status_code == 200
    assert listed(response) == {records[key].reference for key in visible}
    html = response.content.decode()
    for key, record in records.items():
        assert (record.reference in html) == (key in visible), key


@pytest.mark.parametrize("viewer", ["practitioner", "auditor"])
def test_it_never_lists_drafts(client, request, records, viewer):
    client.force_login(request.getfixturevalue(viewer))
    draft = records["draft"]

    assert draft.reference not in listed(client.get("/records/"))
    assert not listed(client.get("/records/", {"q": draft.reference}))
    assert not listed(client.get("/records/", {"q": "DEMO-C-1009"}))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("DEMO-C-1002", {"practitioner2"}),
        ("demo-s-2001", {"manager2"}),
        ("riverside", {"practitioner2"}),
        ("Northshire", {"practitioner", "manager2"}),
        ("DEMO-C-100", {"practitioner", "practitioner2", "manager"}),
        ("no such thing", set()),
    ],
)
def test_it_searches_by_case_reference_and_agency(client, auditor, records, query, expected):
    client.force_login(auditor)

    response = client.get("/records/", {"q": query})

    assert listed(response) == {records[key].reference for key in expected}
    assert f'value="{query}"' in response.content.decode()


def test_it_searches_by_reference(client, auditor, records):
    client.force_login(auditor)
    reference = records["manager"].reference

    response = client.get("/records/", {"q": reference})

    assert listed(response) == {reference}
    assert listed(client.get("/records/", {"q": reference.lower()})) == {reference}


def test_it_searches_only_within_what_the_user_may_see(client, practitioner, records):
    client.force_login(practitioner)
    assert not listed(client.get("/records/", {"q": "DEMO-C-1002"}))
    assert not listed(client.get("/records/", {"q": records["manager2"].reference}))
    assert listed(client.get("/records/", {"q": "Northshire"})) == {
        records["practitioner"].reference
    }


def test_it_says_when_nothing_matches(client, auditor, records):
    client.force_login(auditor)
    assert b"No records match." in client.get("/records/", {"q": "no such thing"}).content


def test_it_pages_long_lists(client, auditor, practitioner):
    for number in range(26):
        submitted(practitioner, "share_with_consent", subject_reference=f"DEMO-C-{number:04d}")
    client.force_login(auditor)

    first = client.get("/records/")
    second = client.get("/records/", {"cursor": first.context["page"].next_cursor})

    assert len(listed(first)) == 25
    assert len(listed(second)) == 1
    assert listed(first).isdisjoint(listed(second))
    assert 'rel="next"' in first.content.decode()
