import pytest
from django.utils.html import escape

from decisions import demo
from decisions.flowchart import OUTCOMES
from decisions.steps import CONSENT_NOT_SOUGHT_WARNING, STEPS_BY_ID, make_plan
from records.models import AuditEvent, DecisionRecord
from records.services import decision_save_step, decision_start


def check_url(record):
    return f"/decisions/{record.reference}/check/"


def finished_draft(author, outcome, **overrides):
    return demo.create_draft(author=author, answers=demo.finished_answers(outcome, **overrides))


def test_it_requires_login(client, practitioner):
    record = finished_draft(practitioner, "share_with_consent")
    response = client.get(check_url(record))
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={check_url(record)}"


def test_it_sends_an_unfinished_draft_to_its_current_page(client, practitioner):
    record = decision_start(author=practitioner)
    decision_save_step(
        record=record,
        author=practitioner,
        step="demo",
        values={**demo.CONTEXT, **demo.PURPOSE, "identifiable": "yes"},
        completed_steps=["urgent", "direction", "about", "purpose", "identifiable"],
    )
    client.force_login(practitioner)

    response = client.get(check_url(record))
    assert response.status_code == 302
    assert response.url == f"/decisions/{record.reference}/confidential/"

    response = client.post(check_url(record))
    assert response.url == f"/decisions/{record.reference}/confidential/"
    record.refresh_from_db()
    assert record.state == DecisionRecord.State.DRAFT


def test_it_sends_a_fresh_draft_to_the_first_page(client, practitioner):
    record = decision_start(author=practitioner)
    client.force_login(practitioner)
    assert client.get(check_url(record)).url == f"/decisions/{record.reference}/urgent/"


def test_it_shows_the_outcome_and_the_answers(client, practitioner):
    answers = demo.finished_answers("share_with_consent")
    record = demo.create_draft(author=practitioner, answers=answers)
    client.force_login(practitioner)

    response = client.get(check_url(record))

    assert response.status_code == 200
    html = response.content.decode()
    outcome = OUTCOMES["share_with_consent"]
    assert escape(outcome.title) in html
    assert escape(outcome.summary) in html
    assert "DEMO-C-0001" in html
    assert "Explicit: they agreed, in words or in writing, to this sharing" in html
    assert "Record this decision" in html
    assert f'href="/decisions/{record.reference}/follow_up/" class="govuk-back-link"' in html


def test_it_links_each_page_for_a_change(client, practitioner):
    answers = demo.finished_answers("share_without_consent", urgent="yes")
    record = demo.create_draft(author=practitioner, answers=answers)
    client.force_login(practitioner)

    html = client.get(check_url(record)).content.decode()

    pages = [p for p in make_plan(answers, []).steps if p != "act_now"]
    assert len(pages) == 14
    for page in pages:
        assert f'href="/decisions/{record.reference}/{page}/?change=1"' in html, page
    # The act-now page asks nothing, so there is nothing to change.
    assert f"/decisions/{record.reference}/act_now/?change=1" not in html
    # Pages off the path have no row and no Change link.
    assert html.count("?change=1") == len(pages)


def test_it_leaves_out_pages_off_the_path(client, practitioner):
    record = finished_draft(practitioner, "share_with_consent")
    client.force_login(practitioner)
    html = client.get(check_url(record)).content.decode()
    assert f"/decisions/{record.reference}/other_reason/" not in html
    assert "Is there another reason to share without consent?" not in html


def test_it_warns_when_consent_was_not_attempted(client, practitioner):
    record = finished_draft(
        practitioner,
        "share_without_consent",
        consent_absent_reason="not_attempted",
        consent_notes="Fictional: the worker did not think to ask.",
    )
    client.force_login(practitioner)
    html = client.get(check_url(record)).content.decode()
    assert escape(CONSENT_NOT_SOUGHT_WARNING) in html
    assert "govuk-warning-text" in html


def test_it_gives_no_warning_when_there_is_a_reason(client, practitioner):
    record = finished_draft(practitioner, "share_without_consent")
    client.force_login(practitioner)
    html = client.get(check_url(record)).content.decode()
    assert escape(CONSENT_NOT_SOUGHT_WARNING) not in html


@pytest.mark.parametrize(
    ("outcome", "overrides", "state"),
    [
        ("share_not_identifiable", {}, "recorded"),
        ("share_with_consent", {}, "recorded"),
        ("not_share_no_purpose", {}, "recorded"),
        ("share_without_consent", {}, "awaiting_approval"),
        ("share_without_consent", {"urgent": "yes"}, "awaiting_review"),
        ("not_share_no_purpose", {"direction": "request"}, "awaiting_approval"),
        ("not_share_no_basis", {"direction": "request"}, "awaiting_approval"),
        ("not_share_no_basis", {"direction": "proactive"}, "recorded"),
    ],
)
def test_it_records_the_decision(client, practitioner, outcome, overrides, state):
    record = finished_draft(practitioner, outcome, **overrides)
    client.force_login(practitioner)

    response = client.post(check_url(record), REMOTE_ADDR="192.0.2.33")

    assert response.status_code == 302
    assert response.url == f"/decisions/{record.reference}/confirmation/"
    record.refresh_from_db()
    assert record.state == state
    assert record.outcome == outcome
    assert record.submitted_at is not None
    assert record.snapshot["outcome"]["id"] == outcome
    event = AuditEvent.objects.get(record=record, event="submitted")
    assert event.actor == practitioner
    assert event.ip == "192.0.2.33"
    assert event.details["state"] == state
    assert event.details["outcome"] == outcome


def test_it_copies_the_summary_fields_for_search(client, practitioner):
    record = finished_draft(practitioner, "share_without_consent", urgent="yes")
    client.force_login(practitioner)
    client.post(check_url(record))
    record.refresh_from_db()
    assert record.subject_reference == "DEMO-C-0001"
    assert record.other_agency == "Northshire Police (fictional)"
    assert record.subject_type == "child"
    assert record.direction == "proactive"
    assert record.urgent is True
    assert record.approval_timing == "retrospective"
    assert record.review_date is not None


def test_it_is_harmless_to_submit_twice(client, practitioner):
    record = finished_draft(practitioner, "share_without_consent")
    client.force_login(practitioner)

    first = client.post(check_url(record))
    record.refresh_from_db()
    submitted_at = record.submitted_at
    second = client.post(check_url(record))

    assert first.url == f"/decisions/{record.reference}/confirmation/"
    assert second.status_code == 302
    assert second.url in (
        f"/decisions/{record.reference}/confirmation/",
        f"/records/{record.reference}/",
    )
    record.refresh_from_db()
    assert record.state == DecisionRecord.State.AWAITING_APPROVAL
    assert record.submitted_at == submitted_at
    assert AuditEvent.objects.filter(record=record, event="submitted").count() == 1


def test_it_sends_a_submitted_record_to_its_page(client, practitioner):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    response = client.get(check_url(record))
    assert response.status_code == 302
    assert response.url == f"/records/{record.reference}/"


@pytest.mark.parametrize("other", ["practitioner2", "manager", "manager2", "auditor"])
def test_it_hides_another_users_draft(client, request, practitioner, other):
    record = finished_draft(practitioner, "share_without_consent")
    client.force_login(request.getfixturevalue(other))

    assert client.get(check_url(record)).status_code == 404
    assert client.post(check_url(record)).status_code == 404
    record.refresh_from_db()
    assert record.state == DecisionRecord.State.DRAFT
    assert not AuditEvent.objects.filter(record=record, event="submitted").exists()


PERSONAL_DATA_KEYS = ("told", "told_why_not", "article6", "special_category", "article9")


def test_it_drops_telling_the_person_and_the_lawful_basis_once_nobody_is_identifiable(
    client, practitioner
):
    answers = demo.finished_answers(
        "share_not_confidential",
        told="no",
        told_why_not="Fictional example: telling them would raise the risk.",
        special_category="yes",
        article9="safeguarding",
    )
    record = demo.create_draft(author=practitioner, answers=answers)
    client.force_login(practitioner)
    html = client.get(check_url(record)).content.decode()
    assert f"/decisions/{record.reference}/informing/?change=1" in html  # asked before

    response = client.post(
        f"/decisions/{record.reference}/identifiable/?change=1", {"identifiable": "no"}
    )
    # Every page still on the path was answered: straight back to the check page.
    assert response.url == check_url(record)

    html = client.get(check_url(record)).content.decode()
    assert escape(OUTCOMES["share_not_identifiable"].title) in html
    for page in ("informing", "lawful_basis", "confidential"):
        assert f"/decisions/{record.reference}/{page}/" not in html, page
    for step_id in ("informing", "lawful_basis"):
        assert escape(STEPS_BY_ID[step_id].heading) not in html
    assert "Which lawful basis (UK GDPR Article 6) applies?" not in html
    assert "telling them would raise the risk" not in html

    client.post(check_url(record))
    record.refresh_from_db()
    assert record.outcome == "share_not_identifiable"
    for key in (*PERSONAL_DATA_KEYS, "confidential"):
        assert key not in record.answers, key
    assert [s["id"] for s in record.snapshot["steps"]] == [
        "urgent",
        "direction",
        "about",
        "purpose",
        "identifiable",
        "how",
        "checks",
        "advice",
        "follow_up",
    ]
    assert "telling them would raise the risk" not in str(record.snapshot)

    page = client.get(f"/records/{record.reference}/").content.decode()
    assert escape(OUTCOMES["share_not_identifiable"].title) in page
    for step_id in ("informing", "lawful_basis"):
        assert escape(STEPS_BY_ID[step_id].heading) not in page
        assert STEPS_BY_ID[step_id].short not in page
    assert "Which lawful basis (UK GDPR Article 6) applies?" not in page


def test_it_keeps_telling_the_person_and_the_lawful_basis_when_not_confidential(
    client, practitioner
):
    record = finished_draft(practitioner, "share_not_confidential")
    client.force_login(practitioner)
    html = client.get(check_url(record)).content.decode()
    for step_id in ("informing", "lawful_basis"):
        assert f"/decisions/{record.reference}/{step_id}/?change=1" in html

    client.post(check_url(record))
    record.refresh_from_db()
    assert record.answers["told"] == "will"
    assert record.answers["article6"] == "public_task"
    steps = [s["id"] for s in record.snapshot["steps"]]
    assert "informing" in steps and "lawful_basis" in steps
