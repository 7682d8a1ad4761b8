"""A decision a manager returned for changes, back in its author's wizard."""

import pytest
from django.utils.html import escape

from decisions import demo
from decisions.steps import make_plan
from records.models import AuditEvent, DecisionRecord
from tests.decisions.walk import post_data_for

COMMENT = "Fictional example: say what may happen if we do not share <today>."
NEW_WEIGHING = "Fictional example, round 2: a second visit found the child alone at night."


def check_url(record):
    return f"/decisions/{record.reference}/check/"


def step_url(record, step_id, query=""):
    return f"/decisions/{record.reference}/{step_id}/{query}"


@pytest.fixture
def answers():
    return demo.finished_answers("share_without_consent")


@pytest.fixture
def returned(practitioner, manager, answers):
    return demo.create_returned(
        author=practitioner, manager=manager, answers=answers, comment=COMMENT
    )


def steps_of(record):
    return list(make_plan(record.answers, record.completed_steps).steps)


def shows_the_comment(html):
    assert "Returned for changes" in html
    assert "Manager Testuser returned this decision" in html
    assert escape(COMMENT) in html
    return True


def test_it_shows_the_author_the_check_page_with_the_managers_comment(
    client, practitioner, returned
):
    client.force_login(practitioner)

    response = client.get(check_url(returned))

    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["returned_with"].comment == COMMENT
    assert shows_the_comment(html)
    assert f'href="{step_url(returned, "other_reason", "?change=1")}"' in html


def test_it_shows_the_managers_comment_on_every_page(client, practitioner, returned):
    client.force_login(practitioner)
    steps = steps_of(returned)
    assert "other_reason" in steps

    for step_id in steps:
        response = client.get(step_url(returned, step_id))
        assert response.status_code == 200, step_id
        assert response.context["returned_with"].comment == COMMENT
        assert shows_the_comment(response.content.decode())


def test_it_does_not_offer_to_delete_a_returned_decision(client, practitioner, returned):
    client.force_login(practitioner)
    delete = f'href="/decisions/{returned.reference}/delete/"'

    assert delete not in client.get(check_url(returned)).content.decode()
    assert delete not in client.get(step_url(returned, "consent")).content.decode()
    assert client.get(f"/decisions/{returned.reference}/delete/").status_code == 404
    assert client.post(f"/decisions/{returned.reference}/delete/").status_code == 404
    assert DecisionRecord.objects.filter(pk=returned.pk).exists()


def test_it_lets_the_author_change_an_answer_and_resubmit(
    client, practitioner, manager, returned, answers
):
    client.force_login(practitioner)
    data = post_data_for("other_reason", {**answers, "proportionality": NEW_WEIGHING})

    response = client.post(step_url(returned, "other_reason", "?change=1"), data)

    assert response.status_code == 302
    assert response.url == check_url(returned)
    html = client.get(check_url(returned)).content.decode()
    assert NEW_WEIGHING in html
    returned.refresh_from_db()
    assert returned.state == "returned"  # saved, not yet submitted

    response = client.post(check_url(returned), REMOTE_ADDR="192.0.2.90")

    assert response.status_code == 302
    assert response.url == f"/decisions/{returned.reference}/confirmation/"
    assert client.get(response.url).status_code == 200
    returned.refresh_from_db()
    assert returned.state == "awaiting_approval"
    first, second = returned.submissions.order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert first.answers["proportionality"] == answers["proportionality"]
    assert second.answers["proportionality"] == NEW_WEIGHING
    assert returned.answers["proportionality"] == NEW_WEIGHING
    event = AuditEvent.objects.filter(record=returned, event="submitted").latest("pk")
    assert event.details["round"] == 2
    assert event.ip == "192.0.2.90"

    # Back in the manager's queue; and no longer in its author's wizard.
    client.force_login(manager)
    assert f'href="/approvals/{returned.reference}/"' in client.get("/approvals/").content.decode()
    client.force_login(practitioner)
    assert client.get(step_url(returned, "consent")).status_code == 404


def test_it_does_not_resubmit_a_decision_awaiting_approval(client, practitioner, returned):
    client.force_login(practitioner)
    client.post(check_url(returned))

    response = client.post(check_url(returned))

    assert response.status_code == 302
    assert response.url == f"/records/{returned.reference}/"
    assert returned.submissions.count() == 2
    assert AuditEvent.objects.filter(record=returned, event="submitted").count() == 2


@pytest.mark.parametrize("other", ["practitioner2", "manager2"])
def test_it_hides_a_returned_decision_from_others(client, request, returned, other):
    client.force_login(request.getfixturevalue(other))

    assert client.get(check_url(returned)).status_code == 404
    assert client.post(check_url(returned)).status_code == 404
    assert client.get(step_url(returned, "consent")).status_code == 404
    assert client.post(step_url(returned, "consent"), {"consent": "yes"}).status_code == 404
    returned.refresh_from_db()
    assert returned.state == "returned"
    assert returned.answers["consent"] == "no"


@pytest.mark.parametrize("reader", ["manager", "auditor"])
def test_it_keeps_readers_of_the_record_out_of_the_wizard(client, request, returned, reader):
    """They may read the record; only its author changes it."""
    client.force_login(request.getfixturevalue(reader))

    assert client.get(step_url(returned, "consent")).status_code == 404
    assert client.post(step_url(returned, "consent"), {"consent": "yes"}).status_code == 404
    response = client.post(check_url(returned))
    assert response.status_code == 302
    assert response.url == f"/records/{returned.reference}/"
    returned.refresh_from_db()
    assert returned.state == "returned"
    assert returned.submissions.count() == 1
