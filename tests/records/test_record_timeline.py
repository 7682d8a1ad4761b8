"""The record page's history: each round, each manager's decision, the sharing."""

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.html import escape

from decisions import demo
from records.models import DecisionRecord, ManagerDecision, SharingConfirmation, Submission
from records.services import decision_act, decision_confirm_sharing
from tests.records.test_record_detail_view import page_queries, reads

ROUND_1_WEIGHING = "Fictional example: the risk of harm outweighs the loss of privacy."
ROUND_2_WEIGHING = "Fictional example, round 2: a second visit found the child alone at night."
RETURN_COMMENT = "Say what may happen if we do not share."


def detail_url(record):
    return f"/records/{record.reference}/"


def submitted(author, outcome="share_without_consent", **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


def at(day, hour, minute):
    """A moment in March 2026, London time (GMT then)."""
    return timezone.make_aware(datetime.datetime(2026, 3, day, hour, minute))


def timeline(html):
    """(title, who and when, comment) for each entry of the page's history, in order."""
    section = html.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    entries = []
    for item in section.split('<li class="app-timeline__item">')[1:]:
        title = re.search(r'<strong class="govuk-tag[^"]*">(.*?)</strong>', item).group(1)
        meta = re.search(r'app-timeline__meta">(.*?)</p>', item, re.S).group(1)
        meta = re.sub(r"<[^>]+>", "", meta)
        comment = re.search(r'app-timeline__comment">(.*?)</p>', item, re.S)
        entries.append((title, meta, comment.group(1) if comment else ""))
    return entries


def earlier_rounds(html):
    assert 'id="rounds"' in html
    return html.split('id="rounds"', 1)[1]


def latest_round(html):
    """The page down to its history: the decision as last submitted."""
    return html.split('id="timeline"', 1)[0]


@pytest.fixture
def shared(practitioner, manager):
    """Submitted, returned, changed and resubmitted, approved, shared: each step timed."""
    record = submitted(practitioner)
    decision_act(record=record, manager=manager, kind="returned", comment=RETURN_COMMENT)
    demo.resubmit(record=record, author=practitioner, values={"proportionality": ROUND_2_WEIGHING})
    decision_act(record=record, manager=manager, kind="approved")
    decision_confirm_sharing(
        record=record,
        author=practitioner,
        shared_on=timezone.localdate(),
        means="Secure email",
        recipient="Duty sergeant, Northshire Police (fictional)",
    )
    Submission.objects.filter(record=record, number=1).update(submitted_at=at(2, 9, 15))
    ManagerDecision.objects.filter(record=record, kind="returned").update(at=at(2, 11, 30))
    Submission.objects.filter(record=record, number=2).update(submitted_at=at(3, 10, 0))
    ManagerDecision.objects.filter(record=record, kind="approved").update(at=at(3, 14, 45))
    SharingConfirmation.objects.filter(record=record).update(confirmed_at=at(4, 8, 5))
    return record


@pytest.mark.parametrize("reader", ["practitioner", "manager", "auditor"])
def test_it_shows_the_records_life_in_order_with_who_and_when(client, request, shared, reader):
    client.force_login(request.getfixturevalue(reader))

    html = client.get(detail_url(shared)).content.decode()

    assert timeline(html) == [
        ("Submitted", "Practitioner Testuser, 2 March 2026, 09:15", ""),
        ("Returned for changes", "Manager Testuser, 2 March 2026, 11:30", escape(RETURN_COMMENT)),
        ("Resubmitted", "Practitioner Testuser, 3 March 2026, 10:00", ""),
        ("Approved", "Manager Testuser, 3 March 2026, 14:45", ""),
        ("Sharing confirmed", "Practitioner Testuser, 4 March 2026, 08:05", ""),
    ]
    assert '<time datetime="2026-03-02T09:15:00+00:00">' in html


def test_it_numbers_the_rounds(client, practitioner, shared):
    client.force_login(practitioner)

    section = client.get(detail_url(shared)).content.decode().split('id="timeline"', 1)[1]

    assert section.count("round 1</span>") == 2  # submitted, and returned
    assert section.count("round 2</span>") == 2  # resubmitted, and approved


def test_it_keeps_each_earlier_round_as_it_was_submitted(client, practitioner, shared):
    client.force_login(practitioner)

    html = client.get(detail_url(shared)).content.decode()

    assert ROUND_2_WEIGHING in latest_round(html)
    assert ROUND_1_WEIGHING not in latest_round(html)
    rounds = earlier_rounds(html)
    assert "Round 1, submitted 2 March 2026, 09:15" in rounds
    assert ROUND_1_WEIGHING in rounds
    assert "Returned for changes</strong> by Manager Testuser" in rounds
    assert escape(RETURN_COMMENT) in rounds
    # Anchors stay unique with the earlier round on the same page.
    assert 'id="round-1-step-other_reason"' in rounds
    assert html.count('id="step-other_reason"') == 1


def test_it_shows_no_earlier_rounds_for_a_decision_submitted_once(client, practitioner):
    record = submitted(practitioner, "share_with_consent")
    client.force_login(practitioner)

    html, sqls = page_queries(client, record)

    assert [title for title, _, _ in timeline(html)] == ["Submitted"]
    assert 'id="rounds"' not in html
    # The one round's answers and snapshot are the record's own: neither is read again.
    (rounds,) = reads(sqls, "records_submission")
    assert '"records_submission"."snapshot"' not in rounds
    assert '"records_submission"."answers"' not in rounds


def test_it_reads_the_earlier_rounds_snapshots_in_one_query(client, practitioner, shared):
    client.force_login(practitioner)

    html, sqls = page_queries(client, shared)

    assert ROUND_1_WEIGHING in earlier_rounds(html)
    rounds, snapshots = [sql for sql in sqls if '"records_submission"' in sql.split(" FROM ")[0]]
    assert '"records_submission"."snapshot"' not in rounds
    assert '"records_submission"."number" IN (1)' in snapshots
    assert '"records_submission"."answers"' not in snapshots


def test_it_never_reads_the_wizards_answers_for_the_page(client, practitioner, shared):
    client.force_login(practitioner)

    _, sqls = page_queries(client, shared)

    assert not [sql for sql in sqls if '"records_decisionrecord"."answers"' in sql]
    assert not [sql for sql in sqls if '"records_decisionrecord"."reasons_text"' in sql]


def test_it_shows_the_returned_comment_to_the_author_with_a_way_to_change(
    client, practitioner, manager
):
    record = submitted(practitioner)
    decision_act(record=record, manager=manager, kind="returned", comment=RETURN_COMMENT)
    client.force_login(practitioner)

    html = client.get(detail_url(record)).content.decode()

    banner = html.split('id="returned-title"', 1)[1].split("Change what is needed", 1)[0]
    assert "Manager Testuser returned this decision" in banner
    assert escape(RETURN_COMMENT) in banner
    assert f'href="/decisions/{record.reference}/check/"' in html
    assert [title for title, _, _ in timeline(html)] == ["Submitted", "Returned for changes"]

    client.force_login(manager)
    html = client.get(detail_url(record)).content.decode()
    assert 'id="returned-title"' not in html
    assert f'href="/decisions/{record.reference}/check/"' not in html


@pytest.mark.parametrize("kind", ["endorsed", "concern"])
def test_it_shows_the_review_of_an_urgent_share(client, practitioner, manager, kind):
    record = submitted(practitioner, urgent="yes")
    comment = "Fictional example: call me first next time." if kind == "concern" else ""
    decision_act(record=record, manager=manager, kind=kind, comment=comment)
    client.force_login(practitioner)

    html = client.get(detail_url(record)).content.decode()

    title = "Concern recorded" if kind == "concern" else "Endorsed"
    assert [t for t, _, _ in timeline(html)] == ["Submitted", title]
    assert timeline(html)[1][2] == comment


def test_it_shows_a_concern_to_the_practitioner(client, practitioner, manager):
    record = submitted(practitioner, urgent="yes")
    decision_act(
        record=record, manager=manager, kind="concern", comment="Fictional: call me first."
    )
    client.force_login(practitioner)

    html = client.get(detail_url(record)).content.decode()

    warning = latest_round(html).split("govuk-warning-text__text", 1)[1].split("</strong>", 1)[0]
    assert "A manager recorded a concern about this urgent share" in warning
    assert "Manager Testuser" in warning
    assert "Fictional: call me first." in warning


def test_it_tells_the_practitioner_they_may_now_tell_the_requesting_agency(
    client, practitioner, manager
):
    refusal = submitted(practitioner, "not_share_no_purpose", direction="request")
    decision_act(record=refusal, manager=manager, kind="approved")
    client.force_login(practitioner)

    html = client.get(detail_url(refusal)).content.decode()

    assert "A manager approved the refusal. You may now tell the requesting agency" in html
    assert [title for title, _, _ in timeline(html)] == ["Submitted", "Approved"]
    assert "Confirm the sharing" not in html

    client.force_login(manager)
    assert "You may now tell the requesting agency" not in (
        client.get(detail_url(refusal)).content.decode()
    )


def test_it_does_not_tell_them_so_before_the_refusal_is_approved(client, practitioner):
    refusal = submitted(practitioner, "not_share_no_purpose", direction="request")
    client.force_login(practitioner)

    html = client.get(detail_url(refusal)).content.decode()

    assert "You may now tell the requesting agency" not in html
    assert DecisionRecord.objects.get(pk=refusal.pk).state == "awaiting_approval"
