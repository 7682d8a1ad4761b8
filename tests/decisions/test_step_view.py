import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from decisions import demo
from decisions.forms import NO_CONSENT_REASONS, STEP_FORMS
from decisions.steps import CONSENT_NOT_SOUGHT_WARNING, STEPS_BY_ID, make_plan
from records.models import AuditEvent, DecisionRecord
from records.services import decision_save_step, decision_start
from tests.decisions.walk import post_data_for, walk

PAGES = list(STEP_FORMS)
# An urgent share without consent passes through every page of the wizard.
EVERY_PAGE = demo.finished_answers("share_without_consent", urgent="yes")
# Every page but act_now asks something, so an empty POST is invalid there.
PAGES_WITH_QUESTIONS = [page for page in PAGES if STEP_FORMS[page].base_fields]


def url(record, step_id, query=""):
    return f"/decisions/{record.reference}/{step_id}/{query}"


def step_events(record):
    return AuditEvent.objects.filter(record=record, event="step_answered")


@pytest.fixture
def draft(practitioner):
    """A finished draft whose path includes every page."""
    return demo.create_draft(author=practitioner, answers=EVERY_PAGE, complete=True)


@pytest.fixture
def fresh(practitioner):
    """A draft just started: nothing answered yet."""
    return demo.create_draft(author=practitioner, answers={}, complete=False)


def assert_saved_nothing(record):
    """The draft is as the fixture left it: the answers and the one demo save."""
    before = (record.answers, record.completed_steps)
    record.refresh_from_db()
    assert (record.answers, record.completed_steps) == before
    assert [e.details["step"] for e in step_events(record)] == ["demo"]


def test_the_urgent_share_without_consent_walks_through_every_page():
    assert make_plan(EVERY_PAGE, []).steps == tuple(PAGES)


# Showing a page


def test_it_requires_login(client, draft):
    response = client.get(url(draft, "urgent"))
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next=/decisions/{draft.reference}/urgent/"


@pytest.mark.parametrize("step_id", PAGES)
def test_it_shows_the_page(client, practitioner, draft, step_id):
    client.force_login(practitioner)
    response = client.get(url(draft, step_id))

    assert response.status_code == 200
    html = response.content.decode()
    step = STEPS_BY_ID[step_id]
    assert escape(step.heading) in html
    assert re.search(r"<h1[^>]*>\s*" + re.escape(escape(step.heading)), html), "heading is no h1"
    assert draft.reference in html
    assert "Save and continue" in html


@pytest.mark.parametrize("step_id", PAGES)
def test_it_shows_a_back_link_to_the_previous_page(client, practitioner, draft, step_id):
    client.force_login(practitioner)
    response = client.get(url(draft, step_id))

    index = PAGES.index(step_id)
    expected = url(draft, PAGES[index - 1]) if index else "/"
    assert f'<a href="{expected}" class="govuk-back-link">Back</a>' in response.content.decode()


@pytest.mark.parametrize("step_id", PAGES)
def test_it_shows_the_help_panel(client, practitioner, draft, step_id):
    client.force_login(practitioner)
    html = client.get(url(draft, step_id)).content.decode()

    step = STEPS_BY_ID[step_id]
    assert step.guidance, f"{step_id} cites no guidance"
    assert "Help with this question" in html
    if step.help:
        assert escape(step.help) in html
    for link in step.guidance:
        assert f'href="{link.href}"' in html
        assert escape(link.label) in html


def test_it_shows_the_saved_answer(client, practitioner, draft):
    client.force_login(practitioner)
    html = client.get(url(draft, "about")).content.decode()
    assert 'value="DEMO-C-0001"' in html
    assert escape(EVERY_PAGE["other_agency"]) in html


def test_it_shows_the_urgent_banner_when_someone_is_at_risk(client, practitioner, draft):
    client.force_login(practitioner)
    assert b"Someone is at immediate risk" in client.get(url(draft, "purpose")).content


def test_it_hides_the_urgent_banner_otherwise(client, practitioner):
    record = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    client.force_login(practitioner)
    assert b"Someone is at immediate risk" not in client.get(url(record, "purpose")).content


# Explaining an answer before the next question


NOT_SOUGHT = {
    "consent_absent_reason": "not_attempted",
    "consent_notes": "Fictional example: the worker did not think to ask.",
}


def main_content(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize("step_id", PAGES)
def test_it_explains_that_consent_was_never_sought_on_the_other_reason_page_only(
    client, practitioner, step_id
):
    record = demo.create_draft(
        author=practitioner, answers={**EVERY_PAGE, **NOT_SOUGHT}, complete=True
    )
    client.force_login(practitioner)

    html = main_content(client.get(url(record, step_id)).content.decode())

    if step_id == "other_reason":
        warning = html.index(escape(CONSENT_NOT_SOUGHT_WARNING))
        assert html.count("govuk-warning-text__text") == 1
        # Above the form, where it can still change the answer.
        assert html.rindex('class="govuk-warning-text"', 0, warning) < html.index("<form")
        assert warning < html.index("<form")
    else:
        assert escape(CONSENT_NOT_SOUGHT_WARNING) not in html


@pytest.mark.parametrize("reason", [key for key, _ in NO_CONSENT_REASONS if key != "not_attempted"])
def test_it_gives_no_such_explanation_when_there_is_a_reason(client, practitioner, reason):
    answers = demo.finished_answers(
        "share_without_consent", consent_absent_reason=reason, consent_notes="Fictional."
    )
    record = demo.create_draft(author=practitioner, answers=answers)
    client.force_login(practitioner)

    html = main_content(client.get(url(record, "other_reason")).content.decode())

    assert escape(CONSENT_NOT_SOUGHT_WARNING) not in html
    assert "govuk-warning-text" not in html


def test_it_keeps_the_explanation_when_the_other_reason_page_fails(client, practitioner):
    answers = demo.finished_answers("share_without_consent", **NOT_SOUGHT)
    record = demo.create_draft(author=practitioner, answers=answers)
    client.force_login(practitioner)

    response = client.post(url(record, "other_reason"), {"other_reason": "yes"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert escape(CONSENT_NOT_SOUGHT_WARNING) in html


# Saving a page


def test_it_saves_the_answer_and_goes_to_the_next_page(client, practitioner, fresh):
    client.force_login(practitioner)
    response = client.post(url(fresh, "urgent"), {"urgent": "no"}, REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 302
    assert response.url == url(fresh, "direction")
    fresh.refresh_from_db()
    assert fresh.answers == {"urgent": "no"}
    assert fresh.completed_steps == ["urgent"]
    event = step_events(fresh).last()
    assert event.details == {"step": "urgent"}
    assert event.actor == practitioner
    assert event.ip == "192.0.2.7"


def test_it_sends_an_urgent_case_to_the_act_now_page(client, practitioner, fresh):
    client.force_login(practitioner)
    response = client.post(url(fresh, "urgent"), {"urgent": "yes"})
    assert response.url == url(fresh, "act_now")


def test_it_accepts_the_act_now_page_without_answers(client, practitioner):
    record = demo.create_draft(author=practitioner, answers={"urgent": "yes"}, complete=True)
    client.force_login(practitioner)
    response = client.post(url(record, "act_now"), {})

    assert response.status_code == 302
    assert response.url == url(record, "direction")
    record.refresh_from_db()
    assert "act_now" in record.completed_steps


# Invalid answers


@pytest.mark.parametrize("step_id", PAGES_WITH_QUESTIONS)
def test_it_rejects_an_empty_page(client, practitioner, draft, step_id):
    client.force_login(practitioner)
    response = client.post(url(draft, step_id), {})

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'class="govuk-error-summary"' in html
    assert "govuk-error-message" in html
    assert "<title>Error: " in html
    errors = response.context["form"].errors
    assert errors
    for messages in errors.values():
        for message in messages:
            assert escape(message) in html
    assert_saved_nothing(draft)


def test_it_links_each_error_in_the_summary_to_a_field_on_the_page(client, practitioner, draft):
    """GOV.UK error summary: each entry links to the field (the first radio or checkbox)
    it describes. The targets of radio and checkbox errors are missing from the page."""
    client.force_login(practitioner)
    broken = {}
    for step_id in PAGES_WITH_QUESTIONS:
        html = client.post(url(draft, step_id), {}).content.decode()
        ids = set(re.findall(r'\bid="([^"]+)"', html))
        summary = html.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
        targets = re.findall(r'<a href="#([^"]+)"', summary)
        assert targets, f"{step_id}: empty error summary"
        missing = [target for target in targets if target not in ids]
        if missing:
            broken[step_id] = missing
    assert broken == {}, f"error summary links with no element to go to: {broken}"


@pytest.mark.parametrize(
    ("step_id", "typed_field", "typed"),
    [
        ("about", "other_agency", "Typed Agency (fictional) 4711"),
        ("purpose", "purpose_text", "Typed purpose (fictional) 4711"),
        ("other_reason", "proportionality", "Typed weighing (fictional) 4711"),
    ],
)
def test_it_keeps_what_was_typed_when_the_page_fails(
    client, practitioner, draft, step_id, typed_field, typed
):
    client.force_login(practitioner)
    # The text is valid; the page's required radios are missing.
    response = client.post(url(draft, step_id), {typed_field: typed})

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert typed in response.content.decode()
    assert_saved_nothing(draft)


def _past(days):
    return (datetime.date.today() - datetime.timedelta(days=days)).isoformat()


VALIDATIONS = {
    "purpose_yes_without_grounds": (
        "purpose",
        {"purpose": "yes", "purpose_grounds": []},
        ["Select at least one purpose"],
    ),
    "consent_yes_without_type_or_giver": (
        "consent",
        {"consent": "yes", "consent_type": "", "consent_given_by": ""},
        ["Select what kind of consent you have", "Select who gave consent"],
    ),
    "consent_no_without_reason": (
        "consent",
        {"consent": "no", "consent_absent_reason": ""},
        ["Select why you do not have consent"],
    ),
    "consent_not_attempted_without_notes": (
        "consent",
        {"consent": "no", "consent_absent_reason": "not_attempted", "consent_notes": ""},
        ["not having asked is not a reason to share without consent"],
    ),
    "consent_lacks_capacity_without_notes": (
        "consent",
        {"consent": "no", "consent_absent_reason": "lacks_capacity", "consent_notes": ""},
        ["Explain how capacity was assessed"],
    ),
    "other_reason_yes_without_grounds": (
        "other_reason",
        {"other_reason": "yes", "legal_grounds": []},
        ["Select at least one ground for sharing without consent"],
    ),
    "checks_with_one_box_missing": (
        "checks",
        {"checks": ["necessary_only", "fact_and_opinion", "right_recipient"]},
        ["Confirm each check. If you cannot, get advice before you share"],
    ),
    "told_no_without_reason": (
        "informing",
        {"told": "no", "told_why_not": ""},
        ["Explain why you will not tell them"],
    ),
    "special_category_without_condition": (
        "lawful_basis",
        {"special_category": "yes", "article9": ""},
        ["Select the condition for special category information"],
    ),
    "advice_yes_without_details": (
        "advice",
        {"advice_sought": "yes", "advice_from": "", "advice_given": ""},
        ["Enter who you asked for advice", "Enter what they advised"],
    ),
    "repeat_request_without_details": (
        "about",
        {"repeat_request": "yes"},
        ["Say whether the circumstances have changed"],
    ),
    "review_date_in_the_past": (
        "follow_up",
        {"review_date": _past(1)},
        ["The review date must be today or in the future"],
    ),
}


@pytest.mark.parametrize("case", list(VALIDATIONS))
def test_it_rejects_an_incomplete_answer(client, practitioner, draft, case):
    step_id, changes, messages = VALIDATIONS[case]
    data = post_data_for(step_id, {**EVERY_PAGE, **changes})
    client.force_login(practitioner)
    response = client.post(url(draft, step_id), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    for message in messages:
        assert escape(message) in html
    assert_saved_nothing(draft)


def test_it_rejects_an_incomplete_review_date(client, practitioner, draft):
    client.force_login(practitioner)
    data = {
        "follow_up_actions": "Fictional follow-up.",
        "review_date_0": "1",
        "review_date_1": "",
        "review_date_2": str(datetime.date.today().year + 1),
    }
    response = client.post(url(draft, "follow_up"), data)

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "Enter the month" in response.content.decode()
    assert_saved_nothing(draft)


def test_it_rejects_an_impossible_review_date_in_plain_words(client, practitioner, draft):
    client.force_login(practitioner)
    data = {
        "follow_up_actions": "Fictional follow-up.",
        "review_date_0": "31",
        "review_date_1": "2",
        "review_date_2": str(datetime.date.today().year + 1),
    }
    response = client.post(url(draft, "follow_up"), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "The date must be a real date, for example 27 3 2026" in html
    assert "out of range" not in html
    assert 'href="#id_review_date_0"' in html
    assert 'value="Fictional follow-up."' in html or "Fictional follow-up.</textarea>" in html
    assert_saved_nothing(draft)


def test_it_rejects_a_made_up_choice(client, practitioner, draft):
    client.force_login(practitioner)
    response = client.post(url(draft, "urgent"), {"urgent": "maybe"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert_saved_nothing(draft)


def test_it_accepts_a_review_date_of_today(client, practitioner, draft):
    client.force_login(practitioner)
    data = post_data_for(
        "follow_up", {**EVERY_PAGE, "review_date": datetime.date.today().isoformat()}
    )
    response = client.post(url(draft, "follow_up"), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.answers["review_date"] == datetime.date.today().isoformat()


# Pages out of order


def test_it_refuses_a_page_beyond_the_current_one(client, practitioner, fresh):
    client.force_login(practitioner)
    response = client.post(url(fresh, "consent"), {"consent": "yes", "consent_type": "explicit"})

    assert response.status_code == 302
    assert response.url == url(fresh, "urgent")
    assert_saved_nothing_on_fresh(fresh)


def test_it_refuses_to_show_a_page_beyond_the_current_one(client, practitioner, fresh):
    client.force_login(practitioner)
    response = client.get(url(fresh, "purpose"))
    assert response.status_code == 302
    assert response.url == url(fresh, "urgent")


def test_it_sends_a_partly_done_draft_to_its_current_page(client, practitioner):
    record = decision_start(author=practitioner)
    decision_save_step(
        record=record,
        author=practitioner,
        step="demo",
        values={**demo.CONTEXT, **demo.PURPOSE},
        completed_steps=["urgent", "direction", "about", "purpose"],
    )
    client.force_login(practitioner)

    response = client.post(url(record, "follow_up"), {"follow_up_actions": "x"})

    assert response.url == url(record, "identifiable")
    assert client.get(f"/decisions/{record.reference}/check/").url == url(record, "identifiable")


def assert_saved_nothing_on_fresh(record):
    record.refresh_from_db()
    assert record.answers == {}
    assert record.completed_steps == []
    assert [e.details["step"] for e in step_events(record)] == ["demo"]


def test_it_redirects_an_unknown_page_to_the_current_one(client, practitioner, fresh):
    client.force_login(practitioner)
    assert client.get(url(fresh, "no-such-page")).url == url(fresh, "urgent")
    response = client.post(url(fresh, "no-such-page"), {"urgent": "yes"})
    assert response.url == url(fresh, "urgent")
    assert_saved_nothing_on_fresh(fresh)


def test_it_redirects_a_page_off_the_path(client, practitioner):
    record = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    data = post_data_for("other_reason", EVERY_PAGE)

    response = client.post(url(record, "other_reason"), data)

    assert response.status_code == 302
    assert response.url == f"/decisions/{record.reference}/check/"
    assert_saved_nothing(record)
    assert client.get(url(record, "other_reason")).url == f"/decisions/{record.reference}/check/"


def test_it_redirects_the_act_now_page_when_nobody_is_at_risk(client, practitioner):
    record = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    assert client.get(url(record, "act_now")).url == f"/decisions/{record.reference}/check/"


# Whose draft


@pytest.mark.parametrize("other", ["practitioner2", "manager", "auditor", "manager2"])
def test_it_hides_another_users_draft(client, request, draft, other):
    client.force_login(request.getfixturevalue(other))

    assert client.get(url(draft, "urgent")).status_code == 404
    assert client.post(url(draft, "urgent"), {"urgent": "no"}).status_code == 404
    assert client.get(url(draft, "no-such-page")).status_code == 404
    assert_saved_nothing(draft)


def test_it_hides_the_pages_of_a_submitted_record(client, practitioner):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)

    assert client.get(url(record, "consent")).status_code == 404
    assert client.post(url(record, "consent"), {"consent": "no"}).status_code == 404
    record.refresh_from_db()
    assert record.answers["consent"] == "yes"


def test_it_gives_404_for_an_unknown_reference(client, practitioner):
    client.force_login(practitioner)
    assert client.get("/decisions/ISD-2000-99999/urgent/").status_code == 404


# Going back and changing answers


def test_it_goes_on_in_order_after_resaving_an_earlier_page(client, practitioner, fresh):
    client.force_login(practitioner)
    answers = demo.finished_answers("share_with_consent")
    for step_id in ("urgent", "direction", "about", "purpose"):
        client.post(url(fresh, step_id), post_data_for(step_id, answers))

    # Back to the first page, saved again with the same answer.
    response = client.post(url(fresh, "urgent"), post_data_for("urgent", answers))
    assert response.url == url(fresh, "direction")
    response = client.post(url(fresh, "direction"), post_data_for("direction", answers))
    assert response.url == url(fresh, "about")


def test_it_returns_to_the_check_page_after_a_change(client, practitioner):
    answers = demo.finished_answers("share_with_consent")
    record = demo.create_draft(author=practitioner, answers=answers)
    client.force_login(practitioner)

    response = client.post(url(record, "about", "?change=1"), post_data_for("about", answers))

    assert response.url == f"/decisions/{record.reference}/check/"


def test_it_goes_to_the_next_page_after_an_earlier_page_without_change(client, practitioner):
    answers = demo.finished_answers("share_with_consent")
    record = demo.create_draft(author=practitioner, answers=answers)
    client.force_login(practitioner)

    response = client.post(url(record, "about"), post_data_for("about", answers))

    assert response.url == url(record, "purpose")


def test_it_asks_the_new_questions_when_consent_changes_to_no(client, practitioner):
    record = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    # The browser still sends the radios of the hidden "yes" reveal.
    response = client.post(
        url(record, "consent", "?change=1"),
        {
            "consent": "no",
            "consent_absent_reason": "refused",
            "consent_type": "explicit",
            "consent_given_by": "parent_carer",
        },
    )
    assert response.url == url(record, "other_reason", "?change=1")

    check_url, pages = walk(client, response.url, demo.finished_answers("share_without_consent"))

    # Only the new question: the pages after it were answered already, so back to check.
    assert pages == ["other_reason"]
    assert check_url == f"/decisions/{record.reference}/check/"

    client.post(check_url)
    record.refresh_from_db()
    assert record.state == DecisionRecord.State.AWAITING_APPROVAL
    assert record.outcome == "share_without_consent"
    assert record.answers["consent"] == "no"
    assert record.answers["consent_absent_reason"] == "refused"
    # What belonged to the "yes" answer is gone: the page clears it (the key may stay, empty).
    assert not record.answers.get("consent_type")
    assert not record.answers.get("consent_given_by")
    consent = next(s for s in record.snapshot["steps"] if s["id"] == "consent")
    labels = [row["label"] for row in consent["rows"]]
    values = [row["value"] for row in consent["rows"]]
    assert "What kind of consent?" not in labels
    assert "Who gave consent?" not in labels
    assert "They refused" in values
    assert not any("Explicit" in value or "parent or carer" in value for value in values)


def test_it_asks_the_closing_pages_when_consent_changes_to_no_with_no_reason(client, practitioner):
    record = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    response = client.post(
        url(record, "consent", "?change=1"),
        {"consent": "no", "consent_absent_reason": "refused"},
    )
    response = client.post(
        response.url,
        {"other_reason": "no", "proportionality": "Fictional: privacy outweighs the risk."},
    )
    # Sharing pages fell off the path; the closing pages were done already: back to check.
    assert response.url == f"/decisions/{record.reference}/check/"

    client.post(response.url)
    record.refresh_from_db()
    assert record.outcome == "not_share_no_basis"
    for key in ("shared_what", "recipient_role", "means", "checks", "told", "article6"):
        assert key not in record.answers
    assert [s["id"] for s in record.snapshot["steps"]] == [
        "urgent",
        "direction",
        "about",
        "purpose",
        "identifiable",
        "confidential",
        "consent",
        "other_reason",
        "advice",
        "follow_up",
    ]


def test_it_drops_the_answers_of_pages_that_fell_off_the_path(client, practitioner):
    record = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    client.force_login(practitioner)
    response = client.post(
        url(record, "consent", "?change=1"),
        {
            "consent": "yes",
            "consent_type": "implied",
            "consent_given_by": "individual",
            "consent_scope": "no_limits",
        },
    )
    assert response.url == f"/decisions/{record.reference}/check/"

    client.post(response.url)
    record.refresh_from_db()
    assert record.outcome == "share_with_consent"
    for key in ("other_reason", "legal_grounds", "legal_detail", "proportionality"):
        assert key not in record.answers
    assert (
        "consent_absent_reason" not in record.answers or not record.answers["consent_absent_reason"]
    )
    assert "other_reason" not in [s["id"] for s in record.snapshot["steps"]]
    assert "Fictional example: the risk of harm" not in str(record.snapshot)


# Database work per page


def _queries_for_post(client, record, step_id, answers):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url(record, step_id), post_data_for(step_id, answers))
    assert response.status_code == 302
    return len(queries)


def test_it_does_the_same_database_work_on_every_page(client, practitioner):
    few = demo.create_draft(author=practitioner, answers={}, complete=False)
    short = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("not_share_no_purpose")
    )
    many = demo.create_draft(author=practitioner, answers=EVERY_PAGE)
    client.force_login(practitioner)
    client.get("/")  # a session's first request stamps its start (config/middleware.py)

    counts = {
        "early page, few answers": _queries_for_post(client, few, "urgent", EVERY_PAGE),
        "early page, many answers": _queries_for_post(client, many, "urgent", EVERY_PAGE),
        "late page, few answers": _queries_for_post(client, short, "follow_up", EVERY_PAGE),
        "late page, many answers": _queries_for_post(client, many, "follow_up", EVERY_PAGE),
    }

    # 8 on SQLite, 9 on PostgreSQL: session, user, draft, savepoint, update, the audit
    # chain's lock (PostgreSQL only) and head, audit insert, release savepoint. Nothing grows
    # with the answers or the page.
    assert len(set(counts.values())) == 1, counts
    assert counts["early page, few answers"] <= (9 if connection.vendor == "postgresql" else 8)


def test_it_links_back_to_the_check_page_while_changing(client, practitioner):
    record = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    html = client.get(url(record, "consent", "?change=1")).content.decode()
    assert f'href="/decisions/{record.reference}/check/" class="govuk-back-link"' in html


def test_it_renders_revealed_questions_as_fields_not_text(client, practitioner):
    record = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    html = client.get(url(record, "consent")).content.decode()
    assert "&lt;input" not in html
    reveal = html.split('id="conditional_consent_2"', 1)[1].split("</fieldset>", 1)[0]
    assert 'name="consent_absent_reason"' in reveal
    # Only choices that reveal something point at a reveal.
    urgent = client.get(url(record, "urgent")).content.decode()
    assert "aria-controls" not in urgent.split("<main", 1)[1]
