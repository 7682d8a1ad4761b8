"""Disagreements between agencies (section 14): raised on a submitted record by its author or
a manager of its team, its steps dated and signed, resolved once; each audited; shown on the
record page and its PDF; an open one tagged in lists and the manager's queue."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import escape
from pypdf import PdfReader

from decisions import demo
from exports.pdf import record_pdf
from records.models import AuditEvent, Disagreement, DisagreementStep
from records.services import (
    StaleState,
    disagreement_add_step,
    disagreement_raise,
    disagreement_resolve,
)

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script> Duty inspector"


@pytest.fixture
def record(practitioner):
    return demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )


def base(record):
    return f"/records/{record.reference}/disagreements"


def raise_one(record, user, **overrides):
    values = {
        "direction": Disagreement.Direction.THEY_DISPUTE,
        "party": "Northshire Police (fictional), duty inspector",
        "reason": "Fictional: they think we should share the whole file.",
        **overrides,
    }
    return disagreement_raise(record=record, user=user, **values)


def test_the_thread_from_raised_to_resolved_with_its_audit_events(
    client, record, practitioner, manager
):
    client.force_login(practitioner)
    response = client.post(
        f"{base(record)}/new/",
        {
            "direction": "we_dispute",
            "party": HOSTILE,
            "reason": "Fictional: their refusal leaves a child at risk.",
        },
    )
    assert response.status_code == 302
    disagreement = Disagreement.objects.get(record=record)
    assert disagreement.is_open and disagreement.raised_by == practitioner
    assert disagreement.party == HOSTILE

    for kind, note in [
        ("flowchart_revisited", "Fictional: we went through the five questions together."),
        ("share_less", "Fictional: offered the visit dates only."),
        ("senior_advice", "Fictional: the safeguarding lead advised sharing the dates."),
    ]:
        response = client.post(
            f"{base(record)}/{disagreement.pk}/steps/new/", {"kind": kind, "note": note}
        )
        assert response.status_code == 302
    client.force_login(manager)  # a manager of the team may add to it too
    client.post(
        f"{base(record)}/{disagreement.pk}/steps/new/",
        {"kind": "escalation", "note": "Fictional: escalated under the partnership policy."},
    )
    assert [s.kind for s in disagreement.steps.order_by("at", "pk")] == [
        "flowchart_revisited",
        "share_less",
        "senior_advice",
        "escalation",
    ]
    assert disagreement.steps.last().by == manager

    response = client.post(
        f"{base(record)}/{disagreement.pk}/resolve/",
        {"resolution": "Fictional: agreed to share the visit dates only."},
    )
    assert response.status_code == 302
    disagreement.refresh_from_db()
    assert not disagreement.is_open
    assert disagreement.resolved_by == manager and disagreement.resolved_at

    events = list(
        AuditEvent.objects.filter(record=record, event__startswith="disagreement").order_by("id")
    )
    assert [e.event for e in events] == [
        "disagreement_raised",
        *["disagreement_step"] * 4,
        "disagreement_resolved",
    ]
    assert [e.actor_username for e in events] == ["practitioner"] * 4 + ["manager"] * 2
    assert all(e.details["disagreement"] == disagreement.pk for e in events)

    # Closed: no more steps, no second resolution.
    with pytest.raises(StaleState):
        disagreement_add_step(disagreement=disagreement, user=manager, kind="escalation", note="x")
    with pytest.raises(StaleState):
        disagreement_resolve(disagreement=disagreement, user=manager, resolution="again")
    response = client.get(f"{base(record)}/{disagreement.pk}/steps/new/")
    assert response.status_code == 302

    html = client.get(f"/records/{record.reference}/").content.decode()
    assert "Disagreements with other agencies" in html
    assert escape(HOSTILE) in html and HOSTILE not in html
    assert "A conversation about sharing less" in html
    assert "Fictional: agreed to share the visit dates only." in html
    assert "Resolved" in html

    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(record_pdf(record))).pages).split()
    )
    assert "Disagreements with other agencies" in text
    assert "We dispute the other agency's refusal" in text
    assert "Fictional: offered the visit dates only." in text
    assert "Escalated under the partnership's escalation policy" in text
    assert "Fictional: agreed to share the visit dates only." in text
    assert "<script>" in text  # printed as text


def test_open_disagreement_is_tagged_in_lists_and_the_queue(client, practitioner, manager):
    recorded = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    awaiting = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    calm = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    raise_one(recorded, practitioner)
    raise_one(awaiting, practitioner)
    client.force_login(practitioner)
    for url in ("/records/", "/"):
        html = client.get(url).content.decode()
        rows = {ref: html.split(ref, 2)[2][:600] for ref in (recorded.reference, calm.reference)}
        assert "Disagreement open" in rows[recorded.reference]
        assert "Disagreement open" not in rows[calm.reference]
    client.force_login(manager)
    queue = client.get("/approvals/").content.decode()
    assert "Disagreement open" in queue.split(awaiting.reference, 2)[2][:400]
    # Resolved: the tag goes.
    disagreement = Disagreement.objects.get(record=recorded)
    disagreement_resolve(disagreement=disagreement, user=practitioner, resolution="Agreed.")
    client.force_login(practitioner)
    html = client.get("/records/").content.decode()
    assert "Disagreement open" not in html.split(recorded.reference, 2)[2][:600]


def test_who_may_record(client, record, practitioner2, manager2, auditor, manager):
    for user in (practitioner2, manager2):
        client.force_login(user)
        assert client.get(f"{base(record)}/new/").status_code == 404
        assert client.post(f"{base(record)}/new/", {}).status_code == 404
        with pytest.raises(PermissionDenied):
            raise_one(record, user)
    client.force_login(auditor)
    assert client.get(f"{base(record)}/new/").status_code == 403
    assert client.post(f"{base(record)}/new/", {"direction": "we_dispute"}).status_code == 403
    with pytest.raises(PermissionDenied):
        raise_one(record, auditor)
    disagreement = raise_one(record, manager)
    client.force_login(auditor)
    assert client.get(f"{base(record)}/{disagreement.pk}/resolve/").status_code == 403
    # Auditors read the thread; they see no buttons.
    html = client.get(f"/records/{record.reference}/").content.decode()
    assert "Northshire Police (fictional), duty inspector" in html
    assert "Record a disagreement" not in html
    client.force_login(practitioner2)
    assert client.get(f"{base(record)}/{disagreement.pk}/steps/new/").status_code == 404
    assert not DisagreementStep.objects.exists()


def test_a_disagreement_of_another_record_is_a_404(client, record, practitioner):
    other = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    disagreement = raise_one(other, practitioner)
    client.force_login(practitioner)
    assert client.get(f"{base(record)}/{disagreement.pk}/steps/new/").status_code == 404


def test_a_draft_has_no_disagreements(client, practitioner):
    draft = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    assert client.get(f"{base(draft)}/new/").status_code == 403
    with pytest.raises(PermissionDenied):
        raise_one(draft, practitioner)


def test_errors_keep_what_was_typed_and_lengths_are_limited(client, record, practitioner):
    client.force_login(practitioner)
    response = client.post(
        f"{base(record)}/new/", {"direction": "", "party": "", "reason": HOSTILE}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Select who disagrees with whom" in html
    assert "Enter the agency and the role of the person who disagrees" in html
    assert escape(HOSTILE) in html and HOSTILE not in html
    assert html.startswith("<!DOCTYPE html>") or "<title>Error:" in html

    response = client.post(
        f"{base(record)}/new/",
        {"direction": "they_dispute", "party": "x" * 301, "reason": "y" * 5001},
    )
    html = response.content.decode()
    assert "must be 300 characters or fewer" in html
    assert "must be 5,000 characters or fewer" in html
    assert not Disagreement.objects.exists()

    with pytest.raises(ValidationError):
        raise_one(record, practitioner, reason="   ")
    with pytest.raises(ValidationError):
        raise_one(record, practitioner, direction="maybe")
    disagreement = raise_one(record, practitioner)
    response = client.post(
        f"{base(record)}/{disagreement.pk}/steps/new/", {"kind": "nonsense", "note": "kept"}
    )
    assert response.status_code == 200
    assert "Select what was done" in response.content.decode()
    assert "kept" in response.content.decode()
    response = client.post(f"{base(record)}/{disagreement.pk}/resolve/", {"resolution": ""})
    assert "Enter how the disagreement was resolved" in response.content.decode()
