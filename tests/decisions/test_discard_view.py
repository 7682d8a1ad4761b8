import pytest

from decisions import demo
from records.models import AuditEvent, DecisionRecord


def discard_url(record):
    return f"/decisions/{record.reference}/delete/"


@pytest.fixture
def draft(practitioner):
    return demo.create_draft(author=practitioner, answers=demo.CONTEXT, complete=False)


def test_it_asks_before_deleting(client, practitioner, draft):
    client.force_login(practitioner)
    response = client.get(discard_url(draft))
    assert response.status_code == 200
    assert f"Are you sure you want to delete draft {draft.reference}?" in response.content.decode()
    assert DecisionRecord.objects.filter(pk=draft.pk).exists()


def test_it_deletes_the_draft_and_keeps_the_audit_trail(client, practitioner, draft):
    client.force_login(practitioner)
    response = client.post(discard_url(draft), follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert f"Draft {draft.reference} deleted." in response.content.decode()
    assert not DecisionRecord.objects.filter(pk=draft.pk).exists()
    events = AuditEvent.objects.filter(record_reference=draft.reference)
    assert list(events.values_list("event", flat=True)) == [
        "record_created",
        "step_answered",
        "draft_deleted",
    ]
    assert events.last().actor == practitioner


@pytest.mark.parametrize("other", ["practitioner2", "manager", "auditor"])
def test_it_hides_another_users_draft(client, request, draft, other):
    client.force_login(request.getfixturevalue(other))
    assert client.get(discard_url(draft)).status_code == 404
    assert client.post(discard_url(draft)).status_code == 404
    assert DecisionRecord.objects.filter(pk=draft.pk).exists()


def test_it_never_deletes_a_submitted_record(client, practitioner):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    assert client.post(discard_url(record)).status_code == 404
    assert DecisionRecord.objects.filter(pk=record.pk, state="recorded").exists()


def test_it_links_to_delete_from_each_page_and_the_check_page(client, practitioner):
    record = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    for url in (f"/decisions/{record.reference}/urgent/", f"/decisions/{record.reference}/check/"):
        assert discard_url(record) in client.get(url).content.decode()
