import datetime
import re
from html import unescape

import pytest
from django.http import QueryDict
from django.utils import timezone

from decisions import demo
from records.models import DecisionRecord


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


def page_links(response):
    """The Previous and Next links' query strings, as dicts."""
    html = response.content.decode()
    links = {}
    for rel in ("prev", "next"):
        match = re.search(rf'href="\?([^"]*)"[^>]*rel="{rel}"', html)
        links[rel] = QueryDict(unescape(match.group(1))) if match else None
    return links


@pytest.fixture
def thirty(practitioner):
    """Thirty records of the practitioner's, one a minute, newest last."""
    records = [
        submitted(practitioner, "share_with_consent", subject_reference=f"DEMO-P-{n:04d}")
        for n in range(30)
    ]
    start = timezone.now() - datetime.timedelta(hours=1)
    for minute, record in enumerate(records):
        DecisionRecord.objects.filter(pk=record.pk).update(
            submitted_at=start + datetime.timedelta(minutes=minute)
        )
    return [record.reference for record in records]


def ordered(response):
    return [row["reference"] for row in response.context["page"].object_list]


def test_it_pages_forward_and_back_with_cursors(client, auditor, thirty):
    client.force_login(auditor)

    first = client.get("/records/")
    assert ordered(first) == thirty[::-1][:25]
    assert page_links(first)["prev"] is None
    assert "Showing 25 records, newest first. There are more: use Next." in first.content.decode()

    second = client.get("/records/", page_links(first)["next"])
    assert ordered(second) == thirty[::-1][25:]
    assert page_links(second)["next"] is None
    assert "There are no more." in second.content.decode()

    back = client.get("/records/", page_links(second)["prev"])
    assert ordered(back) == ordered(first)
    assert page_links(back)["prev"] is None


def test_the_filters_are_kept_in_the_page_links(client, auditor, thirty):
    client.force_login(auditor)

    first = client.get("/records/", {"case": "demo-p", "sort": "oldest", "urgent": "no"})
    links = page_links(first)

    assert ordered(first) == thirty[:25]
    assert links["next"]["case"] == "demo-p"
    assert links["next"]["sort"] == "oldest"
    assert links["next"]["urgent"] == "no"
    assert ordered(client.get("/records/", links["next"])) == thirty[25:]


def test_a_new_record_does_not_shift_the_next_page(client, auditor, practitioner, thirty):
    """Keyset pages: what comes after a record stays after it, whatever is added above."""
    client.force_login(auditor)
    first = client.get("/records/")

    submitted(practitioner, "share_with_consent", subject_reference="DEMO-P-NEW")

    assert ordered(client.get("/records/", page_links(first)["next"])) == thirty[::-1][25:]


def test_the_filter_form_is_a_plain_govuk_form(client, auditor, db):
    client.force_login(auditor)

    html = client.get("/records/").content.decode()

    assert '<form method="get" action="/records/" novalidate>' in html
    for name in (
        "q",
        "text",
        "case",
        "date_from",
        "date_to",
        "outcome",
        "state",
        "lawful_basis",
        "urgent",
        "organisation",
        "team",
        "practitioner",
        "sort",
        "overdue",
    ):
        assert f'id="id_{name}" name="{name}"' in html, name
        assert f'for="id_{name}"' in html, name
    assert "govuk-select" in html and "govuk-input" in html and "govuk-checkboxes" in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Clear filters" in html


def test_a_manager_searches_their_teams(client, manager, records):
    client.force_login(manager)

    assert listed(client.get("/records/", {"q": "DEMO-C-10"})) == {
        records[key].reference for key in ("practitioner", "practitioner2", "manager")
    }
    assert not listed(client.get("/records/", {"q": "DEMO-S-2001"}))
    assert not listed(client.get("/records/", {"q": records["manager2"].reference}))


def test_it_offers_the_csv_of_the_same_search(client, auditor, practitioner):
    demo.create_submitted(author=practitioner, answers=demo.finished_answers("share_with_consent"))
    client.force_login(auditor)

    html = client.get("/records/?urgent=yes&sort=oldest").content.decode()

    assert 'href="/records/export.csv?urgent=yes&amp;sort=oldest"' in html
    assert 'action="/exports/bulk/"' in html


def test_it_offers_the_bulk_export_to_auditors_only(client, manager, practitioner):
    demo.create_submitted(author=practitioner, answers=demo.finished_answers("share_with_consent"))
    client.force_login(manager)
    html = client.get("/records/").content.decode()
    assert 'href="/records/export.csv"' in html
    assert 'action="/exports/bulk/"' not in html


def test_it_shows_hostile_text_in_its_rows_as_text(client, practitioner, manager):
    """The rows are written in Python (records/tables.py): every value must be escaped."""
    hostile = '<script>alert(1)</script>"><img src=x>'
    demo.create_submitted(
        author=practitioner,
        answers=demo.finished_answers(
            "share_without_consent", other_agency=hostile[:200], subject_reference="DEMO-<b>1"
        ),
    )
    for user, url in ((practitioner, "/records/"), (practitioner, "/"), (manager, "/records/")):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html, url
        assert "<img src=x>" not in html, url
        assert "DEMO-<b>1" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url  # shown, as text
        assert "DEMO-&lt;b&gt;1" in html, url
    client.force_login(manager)
    queue = client.get("/approvals/").content.decode()
    assert "<script>alert(1)</script>" not in queue


def test_its_filter_form_writes_back_the_choices_escaped(client, auditor, practitioner):
    """The filter form's markup is written in Python (RecordFilter.fields_html): what was
    typed and chosen comes back, every value escaped."""
    team = practitioner.team
    team.name = 'Fictional <b>team</b> "east"'
    team.save()
    client.force_login(auditor)

    html = client.get(
        "/records/", {"case": "<i>DEMO</i>", "team": team.pk, "overdue": "yes"}
    ).content.decode()

    assert 'name="case" type="search" value="&lt;i&gt;DEMO&lt;/i&gt;"' in html
    assert (
        f'<option value="{team.pk}" selected>Fictional &lt;b&gt;team&lt;/b&gt; &quot;east&quot; '
        in html
    )
    assert "<b>team</b>" not in html
    assert 'name="overdue" type="checkbox" value="yes" checked>' in html
    assert 'class="govuk-form-group govuk-form-group--error"' not in html


def test_its_filter_form_links_each_error_to_its_field(client, auditor, db):
    client.force_login(auditor)

    html = client.get("/records/", {"date_from": "2026-02-30", "urgent": "maybe"}).content.decode()

    assert (
        '<input class="govuk-input govuk-input--width-10 govuk-input--error" type="date" '
        'id="id_date_from" name="date_from" value="2026-02-30" '
        'aria-describedby="id_date_from-hint id_date_from-error">'
    ) in html
    assert '<p id="id_date_from-error" class="govuk-error-message">' in html
    assert (
        '<select class="govuk-select govuk-select--error" id="id_urgent" name="urgent" '
        'aria-describedby="id_urgent-error">'
    ) in html
    assert html.count('class="govuk-form-group govuk-form-group--error"') == 2
