from decisions import demo
from records.services import decision_act

QUEUE_CAPTION = "Waiting for your approval or review"
DRAFTS_CAPTION = "Your drafts"
DECISIONS_CAPTION = "Your recent decisions"


def table(html, caption):
    """The HTML of the table with this caption."""
    assert caption in html, f"no table {caption!r}"
    return html.split(caption, 1)[1].split("</table>", 1)[0]


def submitted(author, outcome, **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


def test_it_sends_an_anonymous_visitor_to_log_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/"


def test_it_shows_a_practitioner_their_drafts_with_a_continue_link(
    client, practitioner, practitioner2
):
    draft = demo.create_draft(
        author=practitioner,
        answers={**demo.CONTEXT, "subject_reference": "DEMO-C-0300"},
        complete=False,
    )
    theirs = demo.create_draft(
        author=practitioner2,
        answers={**demo.CONTEXT, "subject_reference": "DEMO-C-0301"},
        complete=False,
    )
    client.force_login(practitioner)

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Start a new decision" in html
    drafts = table(html, DRAFTS_CAPTION)
    assert f'href="/decisions/{draft.reference}/check/">Continue {draft.reference}</a>' in drafts
    assert "DEMO-C-0300" in drafts
    assert theirs.reference not in html
    assert "DEMO-C-0301" not in html
    assert QUEUE_CAPTION not in html
    assert "Search records" not in html


def test_it_shows_a_practitioner_their_decisions(client, practitioner, practitioner2):
    mine = submitted(practitioner, "share_with_consent", subject_reference="DEMO-C-0042")
    theirs = submitted(practitioner2, "share_with_consent", subject_reference="DEMO-C-0099")
    client.force_login(practitioner)

    html = client.get("/").content.decode()

    decisions = table(html, DECISIONS_CAPTION)
    assert f'href="/records/{mine.reference}/">{mine.reference}</a>' in decisions
    assert "DEMO-C-0042" in decisions
    assert "Recorded" in decisions
    assert mine.reference not in table(html, DRAFTS_CAPTION)
    assert theirs.reference not in html
    assert "DEMO-C-0099" not in html


def test_it_links_decisions_to_their_record_not_continue_when_there_are_drafts_too(
    client, practitioner
):
    """Bug: templates/records/_table.html tests ``{% if drafts %}``; the view's context has a
    ``drafts`` queryset, so when the user has a draft every table renders as drafts."""
    demo.create_draft(author=practitioner, answers=demo.CONTEXT, complete=False)
    mine = submitted(practitioner, "share_with_consent", subject_reference="DEMO-C-0042")
    client.force_login(practitioner)

    decisions = table(client.get("/").content.decode(), DECISIONS_CAPTION)

    assert f'href="/records/{mine.reference}/">{mine.reference}</a>' in decisions
    assert "Continue" not in decisions
    assert "Last saved" not in decisions


def test_it_shows_a_draft_started_but_not_yet_answered(client, practitioner):
    """Bug: ``record.answers.subject_reference`` as a filter argument in _table.html raises
    VariableDoesNotExist (a 500) for a draft whose answers lack that key."""
    client.force_login(practitioner)
    client.post("/decisions/new/")  # Start, then "Save and come back later" at once.

    response = client.get("/")

    assert response.status_code == 200
    record = response.context["drafts"][0]
    assert f"Continue {record.reference}" in table(response.content.decode(), DRAFTS_CAPTION)


def test_it_tells_a_new_practitioner_there_is_nothing_yet(client, practitioner):
    client.force_login(practitioner)
    html = client.get("/").content.decode()
    assert "You have no drafts." in html
    assert "You have not recorded any decisions yet." in html


def test_it_shows_the_manager_their_teams_queue(
    client, practitioner, practitioner2, manager, manager2
):
    awaiting_approval = submitted(practitioner, "share_without_consent")
    awaiting_review = submitted(practitioner2, "share_without_consent", urgent="yes")
    refused_request = submitted(practitioner, "not_share_no_purpose", direction="request")
    recorded = submitted(practitioner, "share_with_consent")
    own = submitted(manager, "share_without_consent")
    other_team = submitted(manager2, "share_without_consent")
    draft = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    client.force_login(manager)

    response = client.get("/")

    assert response.status_code == 200
    assert {row.reference for row in response.context["queue"]} == {
        awaiting_approval.reference,
        awaiting_review.reference,
        refused_request.reference,
    }
    queue = table(response.content.decode(), QUEUE_CAPTION)
    for record in (awaiting_approval, awaiting_review, refused_request):
        assert f'href="/approvals/{record.reference}/"' in queue
    for record in (recorded, own, other_team, draft):
        assert record.reference not in queue
    # The manager's own decision is theirs to see, not theirs to approve.
    assert own.reference in table(response.content.decode(), DECISIONS_CAPTION)


def test_it_links_the_queue_to_the_approval_pages_when_the_manager_has_a_draft(
    client, practitioner, manager
):
    """Bug: the same ``{% if drafts %}`` collision in _table.html as for the decisions."""
    awaiting = submitted(practitioner, "share_without_consent")
    demo.create_draft(author=manager, answers=demo.CONTEXT, complete=False)
    client.force_login(manager)

    queue = table(client.get("/").content.decode(), QUEUE_CAPTION)

    assert f'href="/approvals/{awaiting.reference}/">{awaiting.reference}</a>' in queue
    assert "Continue" not in queue


def test_it_shows_the_manager_an_empty_queue(client, manager):
    client.force_login(manager)
    html = client.get("/").content.decode()
    assert "Nothing is waiting for you." in table(html, QUEUE_CAPTION)
    assert "Start a new decision" in html


def test_it_shows_the_auditor_the_search(client, auditor, practitioner):
    submitted(practitioner, "share_with_consent")
    client.force_login(auditor)

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Search records" in html
    assert 'action="/records/"' in html
    assert 'name="q"' in html
    assert "Start a new decision" not in html
    assert 'href="/decisions/new/"' not in html
    assert DRAFTS_CAPTION not in html
    assert QUEUE_CAPTION not in html


def test_it_shows_the_practitioner_what_waits_for_them(client, practitioner, manager):
    returned = submitted(practitioner, "share_without_consent")
    decision_act(record=returned, manager=manager, kind="returned", comment="Fictional: more.")
    approved = submitted(practitioner, "share_without_consent")
    decision_act(record=approved, manager=manager, kind="approved")
    awaiting = submitted(practitioner, "share_without_consent")
    client.force_login(practitioner)

    html = client.get("/").content.decode()

    waiting = table(html, "Waiting for you")
    assert f'href="/records/{returned.reference}/"' in waiting
    assert "Returned for changes" in waiting
    assert f'href="/records/{approved.reference}/"' in waiting
    assert awaiting.reference not in waiting


def test_it_shows_no_waiting_table_when_nothing_waits(client, practitioner):
    client.force_login(practitioner)
    assert "Waiting for you" not in client.get("/").content.decode()


def test_its_lists_are_the_selectors_lists_for_each_user(practitioner, practitioner2, manager):
    """home_lists runs SQL built once with each user's id: the same rows the selectors give."""
    from records import selectors

    for author in (practitioner, practitioner2, manager):
        submitted(author, "share_with_consent")
        submitted(author, "share_without_consent")
        demo.create_draft(author=author, answers=demo.finished_answers("share_with_consent"))
    returned = submitted(practitioner, "share_without_consent")
    decision_act(record=returned, manager=manager, kind="returned", comment="More, please.")

    for user in (practitioner, practitioner2, manager):
        assert selectors.home_lists(user, size=20) == (
            list(selectors.awaiting_author(user)[:20]),
            list(selectors.drafts_for(user)[:20]),
            list(selectors.submitted_by(user)[:20]),
        )
    assert [row["reference"] for row in selectors.home_lists(practitioner, size=20)[0]] == [
        returned.reference
    ]
