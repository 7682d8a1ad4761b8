import pytest
from django.utils.html import escape

from decisions import demo
from records.models import AuditEvent, DecisionRecord, User
from records.services import decision_act

HOSTILE = "<script>alert(1)</script>"


def approval_url(record):
    return f"/approvals/{record.reference}/"


def submitted(author, outcome="share_without_consent", **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


@pytest.fixture
def record(practitioner):
    """A share without consent, awaiting the family team manager's approval."""
    return submitted(practitioner)


@pytest.fixture
def urgent(practitioner):
    """An urgent share made without consent, awaiting the manager's review."""
    return submitted(practitioner, urgent="yes")


@pytest.fixture
def refusal(practitioner):
    """A refusal of another agency's request, awaiting approval."""
    return submitted(practitioner, "not_share_no_purpose", direction="request")


@pytest.fixture
def manager3(family_team):
    """A second manager of the family team."""
    user = User.objects.create_user(
        username="manager3",
        role="manager",
        team=family_team,
        organisation=family_team.organisation,
        first_name="Manager3",
        last_name="Testuser",
    )
    user.managed_teams.set([family_team])
    return user


def events(record, event):
    return AuditEvent.objects.filter(record=record, event=event)


def unchanged(record, state):
    """Nothing happened to the record: same state, no manager's decision, no event."""
    record.refresh_from_db()
    assert record.state == state
    assert not record.manager_decisions.exists()
    for event in ("approved", "returned", "rejected", "reviewed"):
        assert not events(record, event).exists()
    return True


# Who may open the page.


def test_it_sends_an_anonymous_visitor_to_log_in(client, record):
    response = client.get(approval_url(record))
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={approval_url(record)}"


@pytest.mark.parametrize("role", ["practitioner2", "auditor"])
def test_it_refuses_a_practitioner_or_auditor(client, request, record, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(approval_url(record))
    assert response.status_code == 403
    assert "Only managers approve and review decisions." in response.content.decode()
    assert client.post(approval_url(record), {"kind": "approved"}).status_code == 403

    assert unchanged(record, "awaiting_approval")
    assert not events(record, "viewed").exists()


def test_it_hides_the_page_from_another_teams_manager(client, manager2, record):
    client.force_login(manager2)

    assert client.get(approval_url(record)).status_code == 404
    assert client.post(approval_url(record), {"kind": "approved"}).status_code == 404

    assert unchanged(record, "awaiting_approval")
    assert not events(record, "viewed").exists()


def test_it_gives_404_for_an_unknown_reference(client, manager):
    client.force_login(manager)
    assert client.get("/approvals/ISD-2000-99999/").status_code == 404


def test_it_refuses_a_manager_their_own_decision_and_says_why(client, manager, manager3):
    own = submitted(manager)
    client.force_login(manager)

    response = client.get(approval_url(own))
    assert response.status_code == 403
    html = response.content.decode()
    assert "You made this decision, so you cannot approve or review it." in html
    assert "Another manager of your team" in html

    assert client.post(approval_url(own), {"kind": "approved"}).status_code == 403
    assert unchanged(own, "awaiting_approval")


def test_it_refuses_the_practitioner_their_own_decision_and_says_why(client, practitioner, record):
    client.force_login(practitioner)

    response = client.get(approval_url(record))

    assert response.status_code == 403
    assert "You made this decision, so you cannot approve or review it." in (
        response.content.decode()
    )
    assert client.post(approval_url(record), {"kind": "approved"}).status_code == 403
    assert unchanged(record, "awaiting_approval")


# What the manager sees.


def test_it_shows_the_whole_decision_with_the_guidance_each_answer_rests_on(
    client, manager, record
):
    client.force_login(manager)

    response = client.get(approval_url(record))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Approve a decision to share without consent" in html
    assert escape(record.snapshot["outcome"]["title"]) in html
    # The path, each step linked to its answers.
    for step in ("purpose", "identifiable", "confidential", "consent", "other_reason"):
        assert f'href="#step-{step}"' in html
        assert f'id="step-{step}"' in html
    # Answers and reasons, the weighing of harm, the lawful basis, what, to whom and how.
    for text in (
        "Not sought: asking would increase the risk of harm",
        "There is reasonable cause to believe that is so",
        "Fictional example: the risk of harm outweighs the loss of privacy.",
        "Public task: part of your organisation&#x27;s official functions",
        "Fictional example: dates of two home visits and what was seen.",
        "Northshire Police (fictional)",
        "Duty sergeant",
        "Secure email",
        "Did you seek advice about this decision?",
        "DEMO-C-0001",
    ):
        assert text in html, text
    # The guidance each answer rests on.
    for href in (
        "/guidance/consent-and-confidentiality/#when-not-to-seek-consent",
        "/guidance/consent-and-confidentiality/#disclosure-without-consent",
        "/guidance/legal-framework/#lawful-bases",
        "/guidance/getting-advice/#who-to-ask",
    ):
        assert f'href="{href}"' in html, href
    # The choices for a prior approval.
    assert 'value="approved"' in html
    assert 'value="returned"' in html
    assert 'value="rejected"' in html
    assert 'value="endorsed"' not in html


def test_it_shows_the_decision_as_its_snapshot_has_it(client, manager, record):
    snapshot = record.snapshot
    other_reason = next(s for s in snapshot["steps"] if s["id"] == "other_reason")
    other_reason["rows"][-1]["value"] = "The weighing as it was worded when submitted."
    other_reason["guidance"] = [{"href": "/guidance/older-page/#kept", "label": "Older page"}]
    DecisionRecord.objects.filter(pk=record.pk).update(snapshot=snapshot)
    client.force_login(manager)

    html = client.get(approval_url(record)).content.decode()

    assert "The weighing as it was worded when submitted." in html
    assert "Fictional example: the risk of harm outweighs the loss of privacy." not in html
    assert 'href="/guidance/older-page/#kept"' in html


def test_it_offers_endorse_or_concern_for_an_urgent_share(client, manager, urgent):
    client.force_login(manager)

    html = client.get(approval_url(urgent)).content.decode()

    assert "Review an urgent share made without consent" in html
    assert 'value="endorsed"' in html
    assert 'value="concern"' in html
    assert 'value="approved"' not in html


def test_it_writes_a_viewed_event(client, manager, record):
    client.force_login(manager)

    client.get(approval_url(record), REMOTE_ADDR="192.0.2.60")

    event = events(record, "viewed").get()
    assert event.actor == manager
    assert event.actor_role == "manager"
    assert event.ip == "192.0.2.60"
    assert event.details == {"page": "approval"}


# Acting on it.


@pytest.mark.parametrize(
    ("fixture", "kind", "comment", "state", "event"),
    [
        ("record", "approved", "", "approved", "approved"),
        ("refusal", "approved", "", "recorded", "approved"),
        ("record", "returned", "Say more about the risk.", "returned", "returned"),
        ("record", "rejected", "The risk does not justify it.", "rejected", "rejected"),
        ("urgent", "endorsed", "", "recorded", "reviewed"),
        ("urgent", "concern", "Call me before the next one.", "recorded", "reviewed"),
    ],
)
def test_it_records_the_managers_decision(
    client, request, manager, fixture, kind, comment, state, event
):
    target = request.getfixturevalue(fixture)
    client.force_login(manager)

    response = client.post(
        approval_url(target), {"kind": kind, "comment": comment}, REMOTE_ADDR="192.0.2.61"
    )

    assert response.status_code == 302
    assert response.url == "/approvals/"
    target.refresh_from_db()
    assert target.state == state
    decision = target.manager_decisions.get()
    assert (decision.kind, decision.by, decision.comment, decision.round) == (
        kind,
        manager,
        comment,
        1,
    )
    written = events(target, event).get()
    assert written.actor == manager
    assert written.ip == "192.0.2.61"
    assert written.details["action"] == kind

    html = client.get(response.url).content.decode()
    assert f"{target.reference}: {decision.get_kind_display().lower()}." in html
    assert "govuk-notification-banner--success" in html
    assert f'href="{approval_url(target)}"' not in html  # gone from the queue


@pytest.mark.parametrize(
    ("fixture", "kind", "message"),
    [
        ("record", "returned", "Enter what the practitioner should change"),
        ("record", "rejected", "Enter why you are rejecting the decision"),
        ("urgent", "concern", "Enter your concern about the decision"),
    ],
)
def test_it_asks_for_a_comment_and_keeps_the_choice(
    client, request, manager, fixture, kind, message
):
    target = request.getfixturevalue(fixture)
    state = target.state
    client.force_login(manager)

    response = client.post(approval_url(target), {"kind": kind, "comment": "   "})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error:" in html
    assert "govuk-error-summary" in html
    assert f'<a href="#id_comment">{message}</a>' in html
    chosen = html.split(f'value="{kind}"', 1)[1].split(">", 1)[0]
    assert 'checked="checked"' in chosen
    assert unchanged(target, state)


def test_it_asks_for_a_decision_when_none_is_chosen(client, manager, record):
    client.force_login(manager)

    response = client.post(approval_url(record), {"comment": "Typed before choosing."})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_kind_1">Select your decision</a>' in html
    assert "Typed before choosing." in html
    assert unchanged(record, "awaiting_approval")


def test_it_refuses_a_choice_that_does_not_fit_the_state(client, manager, record):
    client.force_login(manager)

    response = client.post(approval_url(record), {"kind": "endorsed"})

    assert response.status_code == 200
    assert "Select your decision" in response.content.decode()
    assert unchanged(record, "awaiting_approval")


def test_it_refuses_an_over_long_comment_and_keeps_it(client, manager, record):
    client.force_login(manager)
    comment = "x" * 5001

    response = client.post(approval_url(record), {"kind": "returned", "comment": comment})

    html = response.content.decode()
    assert response.status_code == 200
    assert "The comment must be 5,000 characters or fewer" in html
    assert comment in html
    assert unchanged(record, "awaiting_approval")


def test_it_accepts_a_comment_of_the_greatest_length(client, manager, record):
    client.force_login(manager)

    client.post(approval_url(record), {"kind": "returned", "comment": "x" * 5000})

    assert record.manager_decisions.get().comment == "x" * 5000


# Someone else got there first.


def test_it_says_who_dealt_with_it_when_another_manager_acted_first(
    client, manager, manager3, record
):
    decision_act(record=record, manager=manager3, kind="approved")
    client.force_login(manager)

    response = client.post(approval_url(record), {"kind": "returned", "comment": "Too late."})

    assert response.status_code == 302
    assert response.url == approval_url(record)
    html = client.get(response.url).content.decode()
    assert f"{record.reference} has already been dealt with: approved by Manager3 Testuser" in html
    record.refresh_from_db()
    assert record.state == "approved"
    assert [(d.kind, d.by) for d in record.manager_decisions.all()] == [("approved", manager3)]
    assert events(record, "approved").count() == 1
    assert not events(record, "returned").exists()


def test_it_says_who_dealt_with_it_when_they_act_in_the_same_moment(
    client, monkeypatch, manager, manager3, record
):
    """Both managers opened the page while it awaited approval; the other one saved first."""
    stale = DecisionRecord.objects.get(pk=record.pk)
    decision_act(record=record, manager=manager3, kind="rejected", comment="No.")
    monkeypatch.setattr("records.views.approval_get_for_manager", lambda **kwargs: stale)
    client.force_login(manager)

    response = client.post(approval_url(record), {"kind": "approved"}, follow=True)

    html = response.content.decode()
    assert "has already been dealt with: rejected by Manager3 Testuser" in html
    record.refresh_from_db()
    assert record.state == "rejected"
    assert record.manager_decisions.count() == 1
    assert not events(record, "approved").exists()
    assert events(record, "rejected").count() == 1


def test_it_shows_a_dealt_with_record_without_the_form(client, manager, manager3, record):
    decision_act(record=record, manager=manager3, kind="approved")
    client.force_login(manager)

    response = client.get(approval_url(record))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="kind"' not in html
    assert "Your decision" not in html
    assert "has already been dealt with: approved by Manager3 Testuser" in html
    assert f'href="/records/{record.reference}/"' in html


def test_it_shows_a_record_that_never_needed_approval_without_the_form(
    client, manager, practitioner
):
    recorded = submitted(practitioner, "share_with_consent")
    client.force_login(manager)

    html = client.get(approval_url(recorded)).content.decode()

    assert 'name="kind"' not in html
    assert f"{recorded.reference} is not awaiting approval or review: it is recorded." in html


def test_it_offers_a_resubmitted_decision_again(client, manager, practitioner, record):
    decision_act(record=record, manager=manager, kind="returned", comment="Say more.")
    demo.resubmit(record=record, author=practitioner, values={"follow_up_actions": "More."})
    client.force_login(manager)

    html = client.get(approval_url(record)).content.decode()

    assert 'value="approved"' in html
    assert "Say more." in html


# What the comment becomes.


def test_it_shows_a_hostile_comment_as_text(client, manager, practitioner, record):
    client.force_login(manager)
    client.post(approval_url(record), {"kind": "returned", "comment": HOSTILE})
    assert record.manager_decisions.get().comment == HOSTILE

    client.force_login(practitioner)
    html = client.get(f"/records/{record.reference}/").content.decode()

    assert HOSTILE not in html
    timeline = html.split('id="timeline"', 1)[1]
    assert escape(HOSTILE) in timeline
    assert escape(HOSTILE) in html.split('id="timeline"', 1)[0]  # the returned banner


def test_it_shows_a_hostile_concern_as_text(client, manager, practitioner, urgent):
    client.force_login(manager)
    client.post(approval_url(urgent), {"kind": "concern", "comment": HOSTILE})

    client.force_login(practitioner)
    html = client.get(f"/records/{urgent.reference}/").content.decode()

    assert HOSTILE not in html
    assert html.count(escape(HOSTILE)) >= 2  # the concern's warning and the timeline


def test_it_shows_the_comment_on_the_approval_page_of_a_dealt_with_record(
    client, manager, manager3, record
):
    decision_act(record=record, manager=manager3, kind="rejected", comment=HOSTILE)
    client.force_login(manager)

    html = client.get(approval_url(record)).content.decode()

    assert HOSTILE not in html
    assert escape(HOSTILE) in html.split('id="timeline"', 1)[1]


def test_it_carries_the_round_shown_in_the_form(client, manager, record):
    client.force_login(manager)
    html = client.get(approval_url(record)).content.decode()
    assert '<input type="hidden" name="round" value="1"' in html


def test_it_refuses_to_approve_a_round_the_manager_has_not_read(
    client, practitioner, manager, manager3, record
):
    # manager3 opened round 1; meanwhile manager returned it and the practitioner resubmitted.
    decision_act(record=record, manager=manager, kind="returned", comment="Fictional: say more.")
    record.refresh_from_db()
    demo.resubmit(record=record, author=practitioner, values={"shared_what": "Fictional: less."})
    client.force_login(manager3)

    response = client.post(approval_url(record), {"kind": "approved", "round": "1"}, follow=True)

    assert "has been resubmitted since you opened it: read round 2" in response.content.decode()
    record.refresh_from_db()
    assert record.state == DecisionRecord.State.AWAITING_APPROVAL
    assert not events(record, "approved").exists()
