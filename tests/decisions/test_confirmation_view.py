import pytest
from django.utils.html import escape

from decisions import demo
from decisions.flowchart import OUTCOMES


def confirmation_url(record):
    return f"/decisions/{record.reference}/confirmation/"


def submitted(author, outcome, **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


@pytest.mark.parametrize(
    ("outcome", "overrides", "state", "next_text"),
    [
        (
            "share_with_consent",
            {},
            "recorded",
            "No approval is needed. The record is kept with your reasons.",
        ),
        (
            "share_without_consent",
            {},
            "awaiting_approval",
            "Your manager has been asked to approve this decision. Do not act on it until it "
            "is approved.",
        ),
        (
            "not_share_no_purpose",
            {"direction": "request"},
            "awaiting_approval",
            "Your manager has been asked to approve this decision.",
        ),
        (
            "share_without_consent",
            {"urgent": "yes"},
            "awaiting_review",
            "Because someone was at immediate risk, share now. Your manager will review the "
            "decision afterwards.",
        ),
    ],
)
def test_it_shows_the_reference_outcome_and_what_happens_next(
    client, practitioner, outcome, overrides, state, next_text
):
    record = submitted(practitioner, outcome, **overrides)
    assert record.state == state
    client.force_login(practitioner)

    response = client.get(confirmation_url(record))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Decision recorded" in html
    assert f"<strong>{record.reference}</strong>" in html
    assert escape(OUTCOMES[outcome].title) in html
    assert "What happens next" in html
    assert escape(next_text) in html
    for item in OUTCOMES[outcome].next_steps:
        assert escape(item) in html
    assert f'href="/records/{record.reference}/"' in html


def test_it_says_no_approval_only_when_none_is_needed(client, practitioner):
    record = submitted(practitioner, "share_without_consent")
    client.force_login(practitioner)
    html = client.get(confirmation_url(record)).content.decode()
    assert "No approval is needed" not in html


def test_it_requires_login(client, practitioner):
    record = submitted(practitioner, "share_with_consent")
    response = client.get(confirmation_url(record))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


@pytest.mark.parametrize("other", ["practitioner2", "manager2"])
def test_it_hides_another_users_decision(client, request, practitioner, other):
    record = submitted(practitioner, "share_with_consent")
    client.force_login(request.getfixturevalue(other))
    assert client.get(confirmation_url(record)).status_code == 404


def test_it_sends_a_draft_to_the_check_page(client, practitioner):
    record = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    response = client.get(confirmation_url(record))
    assert response.status_code == 302
    assert response.url == f"/decisions/{record.reference}/check/"


def test_it_hides_another_users_draft(client, practitioner, practitioner2):
    record = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner2)
    assert client.get(confirmation_url(record)).status_code == 404
