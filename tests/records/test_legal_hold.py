"""Legal hold: set and lifted by auditors only, with a reason, audited; from the record page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import escape

from decisions import demo
from records.models import AuditEvent, DecisionRecord
from records.selectors import LEGAL_HOLD_LIFTED, LEGAL_HOLD_SET
from records.services import StaleState, legal_hold_lift, legal_hold_set

HOSTILE = '<script>alert("x")</script><img src="file:///etc/hostname"> \u202eevil'


@pytest.fixture
def record(practitioner):
    return demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )


def url(record):
    return f"/records/{record.reference}/legal-hold/"


def detail(record):
    return f"/records/{record.reference}/"


def fresh(record):
    return DecisionRecord.objects.get(pk=record.pk)


# --- the services -----------------------------------------------------------------------------


def test_an_auditor_sets_a_hold_with_a_reason_and_it_is_audited(record, auditor):
    before = fresh(record)
    legal_hold_set(
        record=record, auditor=auditor, reason="  Litigation (fictional).  ", ip="10.0.0.1"
    )

    after = fresh(record)
    assert after.legal_hold is True
    assert after.legal_hold_reason == "Litigation (fictional)."
    event = AuditEvent.objects.get(record=record, event=LEGAL_HOLD_SET)
    assert event.actor == auditor
    assert event.actor_role == "auditor"
    assert event.ip == "10.0.0.1"
    assert event.details == {"reason": "Litigation (fictional)."}
    # Retention metadata only: the decision, and when it last changed, stay as they were.
    for field in ("answers", "snapshot", "path", "outcome", "state", "updated_at", "retain_until"):
        assert getattr(after, field) == getattr(before, field), field


def test_an_auditor_lifts_it_with_a_reason(record, auditor):
    legal_hold_set(record=record, auditor=auditor, reason="Inquiry.")
    legal_hold_lift(record=record, auditor=auditor, reason="Inquiry closed.")

    after = fresh(record)
    assert after.legal_hold is False
    assert after.legal_hold_reason == ""
    lifted = AuditEvent.objects.get(record=record, event=LEGAL_HOLD_LIFTED)
    assert lifted.details == {"reason": "Inquiry closed."}
    # Why it was held stays in the trail.
    assert (
        AuditEvent.objects.get(record=record, event=LEGAL_HOLD_SET).details["reason"] == "Inquiry."
    )


def test_setting_twice_changes_it_once(record, auditor):
    legal_hold_set(record=record, auditor=auditor, reason="First.")
    with pytest.raises(StaleState, match="already on legal hold"):
        legal_hold_set(record=record, auditor=auditor, reason="Second.")
    assert fresh(record).legal_hold_reason == "First."
    assert AuditEvent.objects.filter(event=LEGAL_HOLD_SET).count() == 1


def test_lifting_a_record_not_on_hold_is_refused(record, auditor):
    with pytest.raises(StaleState, match="not on legal hold"):
        legal_hold_lift(record=record, auditor=auditor, reason="Nothing to lift.")
    assert not AuditEvent.objects.filter(event=LEGAL_HOLD_LIFTED).exists()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_a_reason_is_required_and_bounded(record, auditor, reason):
    with pytest.raises(ValidationError):
        legal_hold_set(record=record, auditor=auditor, reason=reason)
    assert fresh(record).legal_hold is False


@pytest.mark.parametrize("who", ["practitioner", "manager", "practitioner2"])
def test_only_auditors_set_or_lift_it(request, record, auditor, who):
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        legal_hold_set(record=record, auditor=person, reason="Mine.")
    legal_hold_set(record=record, auditor=auditor, reason="Held.")
    with pytest.raises(PermissionDenied):
        legal_hold_lift(record=record, auditor=person, reason="Mine.")
    assert fresh(record).legal_hold is True


def test_a_draft_cannot_be_held(practitioner, auditor):
    draft = demo.create_draft(author=practitioner, answers={})
    with pytest.raises(StaleState):
        legal_hold_set(record=draft, auditor=auditor, reason="Hold it.")
    assert fresh(draft).legal_hold is False


# --- the record page and the form ----------------------------------------------------------


def test_the_auditor_has_the_form_on_the_record_page(client, record, auditor):
    client.force_login(auditor)
    html = client.get(detail(record)).content.decode()
    assert 'id="retention"' in html
    assert f'action="{url(record)}"' in html
    assert "Why must this record be kept?" in html
    assert "Put on legal hold" in html


def test_a_manager_sees_the_retention_but_no_form(client, record, manager):
    client.force_login(manager)
    html = client.get(detail(record)).content.decode()
    assert 'id="retention"' in html
    assert "Kept until" in html
    assert url(record) not in html


def test_the_author_sees_no_retention_section(client, record, practitioner):
    client.force_login(practitioner)
    html = client.get(detail(record)).content.decode()
    assert 'id="retention"' not in html
    assert url(record) not in html


def test_the_auditor_sets_and_lifts_it_from_the_page(client, record, auditor):
    client.force_login(auditor)
    response = client.post(url(record), {"action": "set", "reason": HOSTILE})
    assert response.status_code == 302
    assert response.url == detail(record) + "#retention"
    assert fresh(record).legal_hold_reason == HOSTILE.strip()

    html = client.get(detail(record)).content.decode()
    assert "On legal hold" in html
    assert escape(HOSTILE.strip()) in html
    assert "<script>alert" not in html
    assert "Lift the legal hold" in html
    assert "Why is the legal hold being lifted?" in html

    response = client.post(url(record), {"action": "lift", "reason": "Closed."}, follow=True)
    assert "the legal hold is lifted" in response.content.decode()
    assert fresh(record).legal_hold is False


def test_a_missing_reason_is_explained_and_nothing_changes(client, record, auditor):
    client.force_login(auditor)
    response = client.post(url(record), {"action": "set", "reason": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter why the record must be kept" in html
    assert html.count("<title>Error: ") == 1
    assert fresh(record).legal_hold is False
    assert not AuditEvent.objects.filter(event=LEGAL_HOLD_SET).exists()


def test_a_long_reason_is_kept_as_typed_with_the_error(client, record, auditor):
    client.force_login(auditor)
    typed = "Reason " + "y" * 2000
    html = client.post(url(record), {"action": "set", "reason": typed}).content.decode()
    assert "The reason must be 2,000 characters or fewer" in html
    assert typed in html
    assert fresh(record).legal_hold is False


def test_a_form_from_before_another_auditor_acted_changes_nothing(client, record, auditor):
    """The page said 'set'; meanwhile someone set it: posting does not lift it."""
    legal_hold_set(record=record, auditor=auditor, reason="Set elsewhere.")
    client.force_login(auditor)
    response = client.post(url(record), {"action": "set", "reason": "Me too."}, follow=True)
    assert "another auditor changed it" in response.content.decode()
    assert fresh(record).legal_hold is True
    assert fresh(record).legal_hold_reason == "Set elsewhere."


def test_the_form_page_shows_for_auditors(client, record, auditor):
    client.force_login(auditor)
    response = client.get(url(record))
    assert response.status_code == 200
    assert "Put this record on legal hold" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("practitioner", 403), ("manager", 403), ("practitioner2", 404), ("manager2", 404)],
)
def test_others_cannot_set_it(client, request, record, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(record)).status_code == status
    assert client.post(url(record), {"action": "set", "reason": "Mine."}).status_code == status
    assert fresh(record).legal_hold is False


def test_signing_in_is_required(client, record):
    response = client.post(url(record), {"action": "set", "reason": "Anonymous."})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert fresh(record).legal_hold is False
