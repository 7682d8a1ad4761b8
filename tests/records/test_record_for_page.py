"""``record_for_page``, the record page's one read of its record, written once per role
(rows.PreparedModels): for every user and every record, the record ``records_visible_to``
gives, or a 404 where it gives none."""

import pytest
from django.http import Http404

from decisions import demo
from records.models import DecisionRecord, Team, User
from records.selectors import ORGANISATION, record_for_page, records_visible_to


@pytest.fixture
def records(practitioner, practitioner2, manager2, family_team):
    # A team of the council with no manager but its author: the organisation's managers answer.
    early_help = Team.objects.create(organisation=family_team.organisation, name="Early help")
    alone = User.objects.create_user(
        username="practitioner3",
        role="practitioner",
        team=early_help,
        organisation_id=(family_team.organisation_id),
    )
    without_consent = demo.finished_answers("share_without_consent")
    orphaned = demo.create_submitted(author=alone, answers=without_consent)
    DecisionRecord.objects.filter(pk=orphaned.pk).update(approval_scope=ORGANISATION)
    return [
        demo.create_draft(author=practitioner, answers={"urgent": "no"}, complete=False),
        demo.create_submitted(author=practitioner, answers=without_consent),
        demo.create_submitted(
            author=practitioner2, answers=demo.finished_answers("share_with_consent")
        ),
        demo.create_submitted(author=manager2, answers=without_consent),
        orphaned,
    ]


def _orm(user, reference):
    try:
        return records_visible_to(user).get(reference=reference).pk
    except DecisionRecord.DoesNotExist:
        return None


def _page(user, reference):
    try:
        return record_for_page(user=user, reference=reference).pk
    except Http404:
        return None


def test_it_reads_what_each_user_may_see_and_nothing_else(
    records, practitioner, practitioner2, manager, manager2, auditor, admin
):
    seen = {}
    for user in (practitioner, practitioner2, manager, manager2, auditor, admin):
        for record in records:
            assert _page(user, record.reference) == _orm(user, record.reference), (
                user.username,
                record.reference,
            )
            seen[user.username, record.pk] = _page(user, record.reference) is not None
    draft, mine, theirs, other_school, orphaned = records
    assert seen["practitioner", draft.pk] and not seen["practitioner2", draft.pk]
    assert not seen["manager", draft.pk] and not seen["auditor", draft.pk]
    assert seen["manager", orphaned.pk] and not seen["manager2", orphaned.pk]
    assert seen["auditor", other_school.pk] and not seen["manager", other_school.pk]
    assert not seen["practitioner", theirs.pk]


def test_it_brings_the_team_and_what_the_page_asks_of_the_record(records, practitioner):
    record = record_for_page(user=practitioner, reference=records[1].reference)

    assert record.team.organisation.name == "Testshire Council"
    assert (record.has_addenda, record.has_disagreements, record.has_reconsiderations) == (
        False,
        False,
        False,
    )
    assert record.snapshot == DecisionRecord.objects.get(pk=record.pk).snapshot


def test_a_reference_that_is_not_there_is_a_404(db, practitioner):
    with pytest.raises(Http404):
        record_for_page(user=practitioner, reference="ISD-2026-999999")
