"""A case's earlier decisions (section 13, "can I share the same information again"): shown on
the page where the case reference is entered and the page after it, only where the user may
see them (their own; their teams' for a manager), newest first, with plain warnings; the new
record keeps the references shown, and its page links only those the viewer may see."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decisions import demo
from records.models import DecisionRecord
from records.selectors import earlier_decisions
from tests.decisions.walk import post_data_for

pytestmark = pytest.mark.django_db

CASE = "CASE-EARLY-1"


def answers(outcome, **overrides):
    return demo.finished_answers(outcome, subject_reference=CASE, **overrides)


@pytest.fixture
def history(practitioner, practitioner2, manager2):
    """Two decisions of practitioner's about CASE (a refusal of consent, whose review date
    has passed; then consent with limits), practitioner2's about it, manager2's about it, a
    draft about it, and one about another case."""
    refused = demo.create_submitted(
        author=practitioner,
        answers=answers(
            "share_without_consent",
            consent_absent_reason="refused",
            other_agency="Old Agency (fictional)",
        ),
    )
    DecisionRecord.objects.filter(pk=refused.pk).update(
        review_date=timezone.localdate() - datetime.timedelta(days=3),
        submitted_at=timezone.now() - datetime.timedelta(days=30),
    )
    limited = demo.create_submitted(
        author=practitioner, answers=answers("share_with_consent", **demo.CONSENT_LIMITS)
    )
    colleague = demo.create_submitted(author=practitioner2, answers=answers("share_with_consent"))
    other_team = demo.create_submitted(author=manager2, answers=answers("share_with_consent"))
    draft = demo.create_draft(author=practitioner, answers=answers("share_with_consent"))
    other_case = demo.create_submitted(
        author=practitioner,
        answers=demo.finished_answers("share_with_consent", subject_reference="CASE-OTHER"),
    )
    return {
        "refused": refused,
        "limited": limited,
        "colleague": colleague,
        "other_team": other_team,
        "draft": draft,
        "other_case": other_case,
    }


def refs(rows):
    return [row["reference"] for row in rows]


def test_each_user_sees_only_what_they_may(history, practitioner, practitioner2, manager, manager2):
    mine = [history["limited"].reference, history["refused"].reference]
    assert refs(earlier_decisions(practitioner, CASE)) == mine  # newest first
    assert refs(earlier_decisions(practitioner2, CASE)) == [history["colleague"].reference]
    team = set(refs(earlier_decisions(manager, CASE)))
    assert team == {*mine, history["colleague"].reference}
    assert refs(earlier_decisions(manager2, CASE)) == [history["other_team"].reference]
    assert earlier_decisions(practitioner, "") == []
    assert earlier_decisions(practitioner, "CASE-EARLY") == []  # exact reference only
    assert refs(earlier_decisions(practitioner, CASE, exclude=history["limited"])) == mine[1:]


def test_the_rows_carry_what_is_shown_and_the_warnings(history, practitioner):
    limited, refused = earlier_decisions(practitioner, CASE)
    assert refused["consent_refused"] and refused["review_passed"]
    assert refused["other_agency"] == "Old Agency (fictional)"
    assert not limited["consent_refused"] and not limited["review_passed"]
    assert limited["consent"] == "yes"
    assert limited["consent_limits"]["until"] == demo.CONSENT_LIMITS["consent_limit_until"]
    assert limited["outcome_title"]


def test_one_query_never_reading_the_snapshot_or_answers_whole(history, practitioner):
    with CaptureQueriesContext(connection) as queries:
        earlier_decisions(practitioner, CASE)
    assert len(queries) == 1
    sql = queries[0]["sql"]
    # Each JSON column appears only inside a key lookup (SQLite's JSON_EXTRACT(col, $."key"),
    # PostgreSQL's col -> 'key'), never as a column read whole.
    uses = re.findall(r'\."(?:snapshot|answers)"(.{0,4})', sql)
    assert uses
    assert all(tail.startswith((", '$", ", $", " ->", " #>")) for tail in uses), sql


def draft_about(author, reference=CASE):
    return demo.create_draft(
        author=author,
        answers={**demo.CONTEXT, "subject_reference": reference},
        complete=False,
    )


@pytest.mark.parametrize("page", ["about", "purpose"])
def test_the_about_page_and_the_next_show_the_history(client, history, practitioner, page):
    draft = draft_about(practitioner)
    draft.completed_steps = ["urgent", "direction", "about"]
    DecisionRecord.objects.filter(pk=draft.pk).update(completed_steps=draft.completed_steps)
    client.force_login(practitioner)
    html = client.get(f"/decisions/{draft.reference}/{page}/").content.decode()
    assert "Earlier decisions about this case" in html
    assert html.index(history["limited"].reference) < html.index(history["refused"].reference)
    assert f'href="/records/{history["limited"].reference}/"' in html
    assert "Consent was refused in " + history["refused"].reference in html
    assert f"The review date of {history['refused'].reference}" in html
    assert "Seek consent again, or record again why you are not seeking it." in html
    assert demo.CONSENT_LIMITS["consent_limit_until"] in html
    assert "Old Agency (fictional)" in html
    for hidden in ("colleague", "other_team", "draft", "other_case"):
        assert history[hidden].reference not in html


@pytest.mark.parametrize("who", ["practitioner2", "manager2"])
def test_others_see_nothing_of_practitioners_case(client, history, request, who):
    user = request.getfixturevalue(who)
    # Their own earlier decisions about the case are set aside: nothing of practitioner's.
    DecisionRecord.objects.filter(author=user).delete()
    draft = draft_about(user)
    DecisionRecord.objects.filter(pk=draft.pk).update(
        completed_steps=["urgent", "direction", "about"]
    )
    client.force_login(user)
    for page in ("about", "purpose"):
        html = client.get(f"/decisions/{draft.reference}/{page}/").content.decode()
        assert "Earlier decisions" not in html
        assert "earlier decision" not in html
        for record in (history["refused"], history["limited"]):
            assert record.reference not in html


def test_the_references_shown_are_kept_and_listed_on_the_record(
    client, history, practitioner, manager
):
    client.force_login(practitioner)
    start = client.post("/decisions/new/")
    reference = start.url.split("/")[2]
    final = answers("share_with_consent")
    url = start.url
    for _ in range(20):
        if url.endswith("/check/"):
            break
        step_id = url.rstrip("/").rsplit("/", 1)[-1]
        response = client.post(url, post_data_for(step_id, final))
        assert response.status_code == 302, step_id
        url = response.url
    record = DecisionRecord.objects.get(reference=reference)
    shown = [history["limited"].reference, history["refused"].reference]
    assert record.answers["earlier_decisions_shown"] == shown

    client.post(url)
    record.refresh_from_db()
    assert record.answers["earlier_decisions_shown"] == shown
    assert record.snapshot["earlier_decisions_shown"] == shown
    html = client.get(f"/records/{reference}/").content.decode()
    assert "Earlier decisions shown" in html
    for earlier in shown:
        assert f'href="/records/{earlier}/"' in html


def test_a_new_case_reference_starts_the_list_again(client, history, practitioner):
    draft = draft_about(practitioner)
    DecisionRecord.objects.filter(pk=draft.pk).update(
        completed_steps=["urgent", "direction", "about"]
    )
    client.force_login(practitioner)
    client.post(
        f"/decisions/{draft.reference}/purpose/",
        post_data_for("purpose", answers("share_with_consent")),
    )
    draft.refresh_from_db()
    assert len(draft.answers["earlier_decisions_shown"]) == 2
    client.post(
        f"/decisions/{draft.reference}/about/",
        post_data_for("about", {**demo.CONTEXT, "subject_reference": "CASE-NEW"}),
    )
    draft.refresh_from_db()
    assert draft.answers["earlier_decisions_shown"] == []


def test_the_record_page_links_only_what_the_viewer_may_see(
    client, history, practitioner, manager, manager2
):
    shown = [history["limited"].reference, history["other_team"].reference]
    record = demo.create_submitted(
        author=practitioner,
        answers={**answers("share_with_consent"), "earlier_decisions_shown": shown},
    )
    assert record.snapshot["earlier_decisions_shown"] == shown
    client.force_login(practitioner)
    html = client.get(f"/records/{record.reference}/").content.decode()
    assert history["limited"].reference in html
    assert history["other_team"].reference not in html
