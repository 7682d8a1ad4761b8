"""A submitted record's fingerprint is in the hash chain, and verify_audit confirms it."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from decisions import demo
from records.fingerprint import record_fingerprint, verify_fingerprints
from records.models import AuditEvent, DecisionRecord
from records.services import decision_act


def submitted(author, outcome="share_with_consent"):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome))


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_it_writes_the_fingerprint_into_the_submitted_event(practitioner):
    record = submitted(practitioner)
    event = AuditEvent.objects.get(record=record, event="submitted")
    assert event.details["fingerprint"] == record_fingerprint(record)
    # The same from the row as the database gives it back.
    assert (
        record_fingerprint(DecisionRecord.objects.get(pk=record.pk))
        == (event.details["fingerprint"])
    )


def test_it_confirms_every_submitted_record(practitioner, manager):
    submitted(practitioner)
    approved = submitted(practitioner, "share_without_consent")
    decision_act(record=approved, manager=manager, kind="approved")

    output = verify()

    assert "chain whole" in output
    assert "2 records match their fingerprints." in output


def test_it_names_a_record_changed_behind_the_apps_back(practitioner):
    kept = submitted(practitioner)
    changed = submitted(practitioner)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE records_decisionrecord SET outcome = %s WHERE id = %s",
            ["not_share_no_purpose", changed.pk],
        )

    with pytest.raises(CommandError, match=changed.reference) as error:
        verify()
    assert kept.reference not in str(error.value)
    assert verify_fingerprints().mismatched == [changed.reference]


def test_it_leaves_out_a_decision_back_with_its_author(practitioner, manager):
    record = submitted(practitioner, "share_without_consent")
    decision_act(record=record, manager=manager, kind="returned", comment="Fictional: more.")
    # The author may now change the working copy of the answers.
    DecisionRecord.objects.filter(pk=record.pk).update(answers={"urgent": "no"})

    result = verify_fingerprints()

    assert result.ok
    assert result.checked == 0


def test_it_counts_records_submitted_before_fingerprints(practitioner):
    submitted(practitioner)
    DecisionRecord.objects.create(
        author=practitioner, team=practitioner.team, state="recorded", reference="ISD-2018-00001"
    )

    result = verify_fingerprints()

    assert result.ok
    assert (result.checked, result.without_fingerprint) == (1, 1)
    assert "(1 submitted before fingerprints were kept)" in verify()
