"""From submission on, a record's answers and reasons never change.

Every service that writes answers, the snapshot, the path or the outcome refuses a submitted
record; the services that act on one (approve, confirm, reconsider, addenda, legal hold)
change its state or what is appended to it, never what was decided; and no page offers a
change: the wizard's pages are 404, the check page sends back to the record, every POST to
every URL of the record leaves it as it was, and the admin is read-only.

A decision *returned* for changes is its author's to change again (the design's "returned
--resubmit-->"): what was submitted stays in its round, untouched."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from decisions import demo, wizard
from decisions.steps import STEPS_BY_ID
from records.models import DecisionRecord, Submission
from records.services import (
    StaleState,
    addendum_add,
    decision_act,
    decision_confirm_sharing,
    decision_discard,
    decision_reconsider,
    decision_save_step,
    decision_submit,
    legal_hold_lift,
    legal_hold_set,
)

# Everything decided at submission. ``state`` moves on; these never do.
DECIDED = (
    "answers",
    "snapshot",
    "path",
    "outcome",
    "shares",
    "requires_approval",
    "approval_timing",
    "flowchart_version",
    "direction",
    "urgent",
    "subject_reference",
    "subject_type",
    "other_agency",
    "lawful_basis",
    "reasons_text",
    "submitted_at",
    "review_date",
    "retain_until",
    "author_id",
    "team_id",
    "reference",
)

TAMPERED = {
    "purpose": "no",
    "purpose_text": "Tampered reason.",
    "proportionality": "Tampered proportionality.",
    "subject_reference": "TAMPERED-1",
    "outcome": "not_share_no_purpose",
}


def decided(record):
    """What was decided, and every round as submitted."""
    row = DecisionRecord.objects.values(*DECIDED).get(pk=record.pk)
    rounds = list(
        Submission.objects.filter(record_id=record.pk)
        .order_by("number")
        .values("number", "answers", "snapshot", "outcome", "submitted_at", "state_after")
    )
    return row, rounds


def _submitted(author, outcome="share_without_consent", **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


def make(state, practitioner, manager):
    if state == "recorded":
        return _submitted(practitioner, "share_with_consent")
    if state == "awaiting_approval":
        return _submitted(practitioner)
    if state == "awaiting_review":
        return _submitted(practitioner, urgent="yes")
    record = _submitted(practitioner)
    if state == "approved":
        decision_act(record=record, manager=manager, kind="approved")
    elif state == "rejected":
        decision_act(record=record, manager=manager, kind="rejected", comment="No basis.")
    elif state == "recorded_after_sharing":
        decision_act(record=record, manager=manager, kind="approved")
        demo.confirm_sharing(record=record, author=practitioner)
    elif state == "approved_refusal":
        record = _submitted(practitioner, "not_share_no_basis")
        decision_act(record=record, manager=manager, kind="approved")
    record.refresh_from_db()
    return record


STATES = [
    "recorded",
    "awaiting_approval",
    "awaiting_review",
    "approved",
    "rejected",
    "recorded_after_sharing",
    "approved_refusal",
]


@pytest.fixture(params=STATES)
def submitted(request, practitioner, manager):
    record = make(request.param, practitioner, manager)
    assert record.state not in ("draft", "returned")
    return record


# --- services ---------------------------------------------------------------------------------


def test_saving_a_step_is_refused(submitted, practitioner):
    before = decided(submitted)
    with pytest.raises(StaleState):
        decision_save_step(
            record=submitted,
            author=practitioner,
            step="purpose",
            values=TAMPERED,
            completed_steps=["purpose"],
        )
    assert decided(submitted) == before


def test_submitting_again_is_refused(submitted, practitioner):
    before = decided(submitted)
    with pytest.raises(StaleState):
        decision_submit(
            record=submitted,
            author=practitioner,
            answers=TAMPERED,
            path=["purpose"],
            outcome="not_share_no_purpose",
            shares=False,
            requires_approval=False,
            approval_timing=None,
            flowchart_version="0",
            snapshot={"tampered": True},
            summary={"subject_reference": "TAMPERED-1", "reasons_text": "Tampered."},
        )
    with pytest.raises(StaleState):
        wizard.submit(record=submitted, author=practitioner, ip=None)
    assert decided(submitted) == before


def test_discarding_is_refused(submitted, practitioner):
    with pytest.raises(StaleState):
        decision_discard(record=submitted, author=practitioner)
    assert DecisionRecord.objects.filter(pk=submitted.pk).exists()


def test_nobody_else_can_write_its_answers_either(submitted, manager, auditor):
    before = decided(submitted)
    for someone in (manager, auditor):
        with pytest.raises(StaleState):
            decision_save_step(
                record=submitted,
                author=someone,
                step="purpose",
                values=TAMPERED,
                completed_steps=[],
            )
    assert decided(submitted) == before


def test_what_acts_on_a_record_leaves_the_decision_as_it_was(
    submitted, practitioner, manager, auditor
):
    before = decided(submitted)
    addendum_add(record=submitted, author=practitioner, kind="correction", text="A correction.")
    legal_hold_set(record=submitted, auditor=auditor, reason="Held.")
    legal_hold_lift(record=submitted, auditor=auditor, reason="Lifted.")
    state = submitted.state
    if state == "awaiting_approval":
        decision_act(record=submitted, manager=manager, kind="approved")
    elif state == "awaiting_review":
        decision_act(record=submitted, manager=manager, kind="concern", comment="Worried.")
    elif state == "approved":
        demo.confirm_sharing(record=submitted, author=practitioner)
    elif submitted.can_be_reconsidered:
        new = decision_reconsider(record=submitted, user=practitioner)
        # The new draft starts from a copy; changing it leaves the old record alone.
        decision_save_step(
            record=new, author=practitioner, step="purpose", values=TAMPERED, completed_steps=[]
        )
    assert decided(submitted) == before


def test_a_manager_cannot_approve_into_a_changed_outcome(practitioner, manager):
    """decision_act takes no answers, outcome or snapshot: only a kind and a comment."""
    record = make("awaiting_approval", practitioner, manager)
    before = decided(record)
    with pytest.raises(TypeError):
        decision_act(record=record, manager=manager, kind="approved", outcome="tampered")
    decision_act(record=record, manager=manager, kind="approved")
    assert decided(record) == before


def test_confirming_the_sharing_only_records_the_sharing(practitioner, manager):
    import datetime

    record = make("approved", practitioner, manager)
    before = decided(record)
    decision_confirm_sharing(
        record=record,
        author=practitioner,
        shared_on=datetime.date.today(),
        means="Tampered means",
        recipient="Someone",
    )
    assert decided(record) == before


def test_a_returned_decisions_earlier_round_stays_as_submitted(practitioner, manager):
    record = demo.create_returned(
        author=practitioner,
        manager=manager,
        answers=demo.finished_answers("share_without_consent"),
        comment="Say more.",
    )
    _, rounds_before = decided(record)
    demo.resubmit(
        record=record, author=practitioner, values={"proportionality": "A fuller reason."}
    )
    row, rounds_after = decided(record)
    assert rounds_after[0] == rounds_before[0]
    assert len(rounds_after) == 2
    assert row["answers"]["proportionality"] == "A fuller reason."
    assert rounds_after[0]["answers"]["proportionality"] != "A fuller reason."
    # And from the resubmission on, that round is frozen too.
    with pytest.raises(StaleState):
        decision_save_step(
            record=record, author=practitioner, step="x", values=TAMPERED, completed_steps=[]
        )


# --- pages ----------------------------------------------------------------------------------


def test_the_wizard_pages_are_404(client, submitted, practitioner):
    before = decided(submitted)
    client.force_login(practitioner)
    for step in STEPS_BY_ID:
        url = f"/decisions/{submitted.reference}/{step}/"
        assert client.get(url).status_code == 404, url
        assert client.post(url, TAMPERED).status_code == 404, url
    for url in (f"/decisions/{submitted.reference}/delete/",):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert decided(submitted) == before


def test_the_check_page_sends_back_to_the_record(client, submitted, practitioner):
    before = decided(submitted)
    client.force_login(practitioner)
    url = f"/decisions/{submitted.reference}/check/"
    for response in (client.get(url), client.post(url, TAMPERED)):
        assert response.status_code == 302
        assert response.url == f"/records/{submitted.reference}/"
    assert decided(submitted) == before


@pytest.mark.parametrize("who", ["practitioner", "manager", "auditor"])
def test_the_record_page_offers_no_change(client, request, submitted, who):
    client.force_login(request.getfixturevalue(who))
    html = client.get(f"/records/{submitted.reference}/").content.decode()
    assert f"/decisions/{submitted.reference}/" not in html
    assert "Change your answers" not in html
    assert ">Change<" not in html


def _record_urls(patterns=None, prefix=""):
    """Every URL pattern of the project that names a record by its reference."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _record_urls(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and "<str:reference>" in str(pattern.pattern):
            yield prefix + str(pattern.pattern)


def test_the_walk_finds_the_record_urls():
    """So the test below is not vacuous: it posts to every one of these."""
    urls = set(_record_urls())
    assert "decisions/<str:reference>/<slug:step_id>/" in urls
    assert "records/<str:reference>/" in urls
    assert "approvals/<str:reference>/" in urls


@pytest.mark.parametrize("who", ["practitioner", "manager", "auditor"])
def test_no_post_to_any_record_url_changes_what_was_decided(client, request, submitted, who):
    """Whatever is posted, by the author, a manager or an auditor, to every URL of the
    record: approvals, confirmations, addenda and holds may happen; the decision stays."""
    client.force_login(request.getfixturevalue(who))
    before = decided(submitted)
    data = {
        **TAMPERED,
        "kind": "correction",
        "text": "An addendum.",
        "comment": "A comment.",
        "action": "set",
        "reason": "A reason.",
        "answers": "{}",
        "snapshot": "{}",
    }
    for route in _record_urls():
        url = "/" + route.replace("<str:reference>", submitted.reference)
        for step in STEPS_BY_ID if "<slug:step_id>" in url else [None]:
            target = url.replace("<slug:step_id>", step) if step else url
            response = client.post(target, data)
            assert response.status_code < 500, target
    assert decided(submitted) == before


def test_the_admin_is_read_only_for_records(client, submitted):
    admin = get_user_model().objects.create_superuser("root", "root@example.invalid", "pw-x")
    client.force_login(admin)
    url = f"/admin/records/decisionrecord/{submitted.pk}/change/"
    before = decided(submitted)
    assert client.get(url).status_code == 200  # to view
    response = client.post(url, {"answers": "{}", "outcome": "tampered"})
    assert response.status_code == 403
    assert client.post(f"/admin/records/decisionrecord/{submitted.pk}/delete/").status_code == 403
    # Rounds and addenda have no admin pages at all.
    assert client.get("/admin/records/submission/").status_code == 404
    assert client.get("/admin/records/addendum/").status_code == 404
    assert decided(submitted) == before
