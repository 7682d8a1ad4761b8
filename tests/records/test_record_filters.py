"""/records/ filters: what each selects, who may choose what, and bad input told, never a 500."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from decisions import demo
from records.models import DecisionRecord, Organisation, Team, User
from records.services import decision_act

State = DecisionRecord.State


def submitted(author, outcome="share_with_consent", **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


def listed(response):
    assert response.status_code == 200
    return {row["reference"] for row in response.context["page"].object_list}


def refs(*records):
    return {record.reference for record in records}


def backdate(record, days):
    """Submitted ``days`` ago, at noon local time."""
    at = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() - datetime.timedelta(days=days), datetime.time(12)
        )
    )
    DecisionRecord.objects.filter(pk=record.pk).update(submitted_at=at)
    record.submitted_at = at
    return record


# --- What submission copies out for the search ---------------------------------------------


def test_submission_copies_the_lawful_basis_and_every_free_text_answer(practitioner):
    record = submitted(
        practitioner,
        "share_without_consent",
        article6="vital_interests",
        purpose_text="Fictional: worry about bruising seen at school.",
        proportionality="Fictional: the risk of harm outweighs privacy.",
    )
    record.refresh_from_db()

    assert record.lawful_basis == "vital_interests"
    lines = record.reasons_text.splitlines()
    assert "Fictional: worry about bruising seen at school." in lines
    assert "Fictional: the risk of harm outweighs privacy." in lines
    assert demo.SHARING["shared_what"] in lines
    assert demo.CLOSING["follow_up_actions"] in lines
    # Free text with a column of its own is matched there, not in the reasons.
    assert demo.CONTEXT["subject_reference"] not in record.reasons_text


def test_a_refusal_has_no_lawful_basis_and_answers_off_the_path_are_not_reasons(practitioner):
    record = submitted(
        practitioner,
        "not_share_no_purpose",
        article6="consent",  # left over from a path not taken
        shared_what="Fictional: never shared, off the path.",
    )
    record.refresh_from_db()

    assert record.lawful_basis == ""
    assert "never shared" not in record.reasons_text
    assert demo.CASES["not_share_no_purpose"]["purpose_text"] in record.reasons_text
