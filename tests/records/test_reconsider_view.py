import pytest

from decisions import demo, wizard
from decisions.steps import make_plan
from records.models import AuditEvent, DecisionRecord
from records.services import decision_act, decision_save_step


def reconsider_url(record):
    return f"/records/{record.reference}/reconsider/"


def detail_url(record):
    return f"/records/{record.reference}/"


def submitted(author, outcome="share_without_consent", **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


@pytest.fixture
def rejected(practitioner, manager):
    record = submitted(practitioner)
    decision_act(record=record, manager=manager, kind="rejected", comment="Not proportionate.")
    return record


@pytest.fixture
def refused(practitioner, manager):
    """A refusal of another agency's request, approved and so recorded."""
    record = submitted(practitioner, "not_share_no_purpose", direction="request")
    decision_act(record=record, manager=manager, kind="approved")
    record.refresh_from_db()
    assert record.state == "recorded"
    return record


def test_it_sends_an_anonymous_visitor_to_log_in(client, rejected):
    response = client.post(reconsider_url(rejected))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert not rejected.reconsiderations.exists()


def test_it_does_not_allow_get(client, practitioner, rejected):
    client.force_login(practitioner)
    assert client.get(reconsider_url(rejected)).status_code == 405
    assert not rejected.reconsiderations.exists()


@pytest.mark.parametrize("fixture", ["rejected", "refused"])
def test_it_starts_a_new_decision_linked_to_the_old_one(client, request, practitioner, fixture):
    old = request.getfixturevalue(fixture)
    client.force_login(practitioner)
    assert "Reconsider this decision" in client.get(detail_url(old)).content.decode()

    response = client.post(reconsider_url(old), REMOTE_ADDR="192.0.2.80")

    new = old.reconsiderations.get()
    assert response.status_code == 302
    assert response.url == f"/decisions/{new.reference}/check/"
    assert new.state == "draft"
    assert new.author == practitioner
    assert new.answers == old.answers
    old.refresh_from_db()
    assert old.state in ("rejected", "recorded")  # the old record stays as it was
    event = AuditEvent.objects.get(record=old, event="reconsidered")
    assert event.actor == practitioner
    assert event.details == {"new_reference": new.reference}
    assert AuditEvent.objects.filter(record=new, event="record_created").exists()

    # Into the wizard: the check page sends them to the first page still to confirm.
    page = client.get(response.url, follow=True)
    assert page.status_code == 200
    assert page.redirect_chain[-1][0].startswith(f"/decisions/{new.reference}/")
    html = page.content.decode()
    assert f"Decision {new.reference}" in html
    assert f"{new.reference} reconsiders {old.reference}." in html


def test_it_links_both_record_pages(client, practitioner, rejected):
    client.force_login(practitioner)
    client.post(reconsider_url(rejected))
    new = rejected.reconsiderations.get()

    old_page = client.get(detail_url(rejected)).content.decode()
    new_page = client.get(detail_url(new)).content.decode()

    assert "Reconsidered in" in old_page
    assert f'href="{detail_url(new)}">{new.reference}</a>' in old_page
    assert f'href="{detail_url(rejected)}">{rejected.reference}</a>' in new_page


def test_it_links_both_pages_once_the_reconsideration_is_submitted(
    client, practitioner, manager, rejected
):
    client.force_login(practitioner)
    client.post(reconsider_url(rejected), follow=True)  # (and read its message)
    new = rejected.reconsiderations.get()
    # The practitioner confirms every page, then records the new decision.
    steps = make_plan(new.answers, []).steps
    decision_save_step(
        record=new, author=practitioner, step="demo", values={}, completed_steps=steps
    )
    new = wizard.submit(record=new, author=practitioner, ip=None)
    client.force_login(manager)

    old_page = client.get(detail_url(rejected)).content.decode()
    new_page = client.get(detail_url(new)).content.decode()

    assert f'href="{detail_url(new)}">{new.reference}</a>' in old_page
    assert "Reconsiders" in new_page
    assert f'href="{detail_url(rejected)}">{rejected.reference}</a>' in new_page


@pytest.mark.parametrize("reader", ["manager", "auditor"])
def test_it_does_not_point_others_to_a_reconsideration_still_in_draft(
    client, request, practitioner, rejected, reader
):
    """A draft is its author's alone: a link to it would be a 404, and would tell others
    it exists."""
    client.force_login(practitioner)
    client.post(reconsider_url(rejected), follow=True)  # (and read its message)
    new = rejected.reconsiderations.get()
    client.force_login(request.getfixturevalue(reader))

    html = client.get(detail_url(rejected)).content.decode()

    assert new.reference not in html
    assert "Reconsidered in" not in html


@pytest.mark.parametrize(
    ("outcome", "overrides"),
    [("share_with_consent", {}), ("share_without_consent", {})],
    ids=["recorded share", "awaiting approval"],
)
def test_it_refuses_a_decision_that_cannot_be_reconsidered(
    client, practitioner, outcome, overrides
):
    record = submitted(practitioner, outcome, **overrides)
    client.force_login(practitioner)
    assert "Reconsider this decision" not in client.get(detail_url(record)).content.decode()
    count = DecisionRecord.objects.count()

    response = client.post(reconsider_url(record), follow=True)

    assert response.redirect_chain == [(detail_url(record), 302)]
    assert f"{record.reference} cannot be reconsidered." in response.content.decode()
    assert DecisionRecord.objects.count() == count
    assert not AuditEvent.objects.filter(event="reconsidered").exists()


@pytest.mark.parametrize("other", ["practitioner2", "manager2"])
def test_it_hides_the_record_from_others(client, request, rejected, other):
    client.force_login(request.getfixturevalue(other))
    count = DecisionRecord.objects.count()

    assert client.post(reconsider_url(rejected)).status_code == 404
    assert DecisionRecord.objects.count() == count


def test_it_refuses_the_auditor(client, auditor, rejected):
    client.force_login(auditor)
    assert "Reconsider this decision" not in client.get(detail_url(rejected)).content.decode()
    count = DecisionRecord.objects.count()

    assert client.post(reconsider_url(rejected)).status_code == 403
    assert DecisionRecord.objects.count() == count


def test_it_keeps_one_draft_when_pressed_twice(client, practitioner, rejected):
    client.force_login(practitioner)

    first = client.post(reconsider_url(rejected))
    second = client.post(reconsider_url(rejected))

    new = rejected.reconsiderations.get()
    assert first.url == second.url == f"/decisions/{new.reference}/check/"
    assert AuditEvent.objects.filter(record=rejected, event="reconsidered").count() == 1
