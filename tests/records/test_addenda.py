"""Addenda: corrections and later facts appended to a submitted record by its author or a
manager answering for it; dated, signed, audited in the same transaction, shown on the page."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.html import escape

from decisions import demo
from records.models import Addendum, AuditEvent, DecisionRecord
from records.services import StaleState, addendum_add

HOSTILE = (
    '<img src="file:///etc/hostname"><link rel=attachment href="file:///etc/hostname">'
    "<script>alert(1)</script> url(http://example.invalid/x) \u202eevil\u202c"
)


@pytest.fixture
def record(practitioner):
    """Awaiting the manager's approval, in the family team."""
    return demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )


def add_url(record):
    return f"/records/{record.reference}/addenda/new/"


def detail(record):
    return f"/records/{record.reference}/"


def frozen(record):
    return DecisionRecord.objects.values(
        "answers", "snapshot", "path", "outcome", "state", "shares", "reasons_text"
    ).get(pk=record.pk)


# --- the service --------------------------------------------------------------------------------


def test_the_author_adds_a_dated_signed_addendum_with_its_event(record, practitioner):
    before = frozen(record)
    start = timezone.now()

    addendum = addendum_add(
        record=record,
        author=practitioner,
        kind="correction",
        text="  The visit was on Tuesday, not Monday (fictional).  ",
        ip="10.1.2.3",
    )

    assert addendum.record == record
    assert addendum.author == practitioner
    assert addendum.kind == Addendum.Kind.CORRECTION
    assert addendum.text == "The visit was on Tuesday, not Monday (fictional)."
    assert start <= addendum.at <= timezone.now()
    event = AuditEvent.objects.get(record=record, event=AuditEvent.Event.ADDENDUM)
    assert event.actor == practitioner
    assert event.ip == "10.1.2.3"
    assert event.details == {"addendum": addendum.pk, "kind": "correction"}
    assert frozen(record) == before  # the decision as submitted is untouched


def test_a_manager_of_the_team_adds_one(record, manager):
    addendum_add(record=record, author=manager, kind="further_information", text="Police replied.")
    assert record.addenda.get().author == manager


def test_addenda_are_appended_in_order(record, practitioner, manager):
    first = addendum_add(record=record, author=practitioner, kind="correction", text="One.")
    second = addendum_add(record=record, author=manager, kind="further_information", text="Two.")
    assert list(record.addenda.all()) == [first, second]


@pytest.mark.parametrize("who", ["auditor", "practitioner2", "manager2"])
def test_others_cannot_add(request, record, who):
    with pytest.raises(PermissionDenied):
        addendum_add(
            record=record, author=request.getfixturevalue(who), kind="correction", text="No."
        )
    assert not Addendum.objects.exists()
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.ADDENDUM).exists()


def test_a_draft_has_no_addenda(practitioner):
    draft = demo.create_draft(author=practitioner, answers={})
    with pytest.raises(StaleState, match="draft"):
        addendum_add(record=draft, author=practitioner, kind="correction", text="Too early.")
    assert not Addendum.objects.exists()


@pytest.mark.parametrize(
    ("kind", "text"),
    [("correction", ""), ("correction", " \n "), ("correction", "x" * 5001), ("opinion", "Hi.")],
)
def test_it_refuses_empty_long_or_unknown(record, practitioner, kind, text):
    with pytest.raises(ValidationError):
        addendum_add(record=record, author=practitioner, kind=kind, text=text)
    assert not Addendum.objects.exists()


def test_five_thousand_characters_are_enough(record, practitioner):
    addendum_add(record=record, author=practitioner, kind="correction", text="x" * 5000)
    assert len(record.addenda.get().text) == 5000


def test_the_addendum_and_its_event_are_one_transaction(record, practitioner, monkeypatch):
    from records import services

    def broken(**kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(services, "audit_log", broken)
    with pytest.raises(RuntimeError):
        addendum_add(record=record, author=practitioner, kind="correction", text="Lost.")
    assert not Addendum.objects.exists()


def test_a_record_in_any_state_after_submission_takes_addenda(practitioner, manager):
    recorded = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    rejected = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    from records.services import decision_act

    decision_act(record=rejected, manager=manager, kind="rejected", comment="No basis.")
    for record in (recorded, rejected):
        addendum_add(record=record, author=practitioner, kind="further_information", text="Later.")
        assert record.addenda.count() == 1


# --- the pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["practitioner", "manager"])
def test_the_record_page_offers_it_to_the_author_and_the_manager(client, request, record, who):
    client.force_login(request.getfixturevalue(who))
    html = client.get(detail(record)).content.decode()
    assert 'id="addenda"' in html
    assert f'href="{add_url(record)}"' in html


def test_the_auditor_sees_addenda_but_is_not_offered_to_add(client, record, practitioner, auditor):
    addendum_add(record=record, author=practitioner, kind="correction", text="Seen by all.")
    client.force_login(auditor)
    html = client.get(detail(record)).content.decode()
    assert "Seen by all." in html
    assert add_url(record) not in html


def test_adding_from_the_page_shows_it_on_the_record(client, record, practitioner):
    client.force_login(practitioner)
    page = client.get(add_url(record))
    assert page.status_code == 200
    assert "Add an addendum" in page.content.decode()

    response = client.post(
        add_url(record), {"kind": "further_information", "text": "The school replied (fictional)."}
    )

    assert response.status_code == 302
    assert response.url == detail(record) + "#addenda"
    addendum = record.addenda.get()
    html = client.get(detail(record)).content.decode()
    assert "The school replied (fictional)." in html
    assert "Further information" in html
    assert "Practitioner Testuser" in html
    assert f"{timezone.localtime(addendum.at):%-d %B %Y}" in html
    assert "Addendum added" in html  # in the record's trail


def test_hostile_text_is_shown_as_text(client, record, practitioner, auditor):
    client.force_login(practitioner)
    client.post(add_url(record), {"kind": "correction", "text": HOSTILE})
    for reader in (practitioner, auditor):
        client.force_login(reader)
        html = client.get(detail(record)).content.decode()
        assert escape(HOSTILE) in html
        assert '<img src="file:' not in html
        assert "<link rel=attachment" not in html
        assert "<script>alert(1)" not in html


def test_an_empty_addendum_is_explained_and_the_choice_kept(client, record, practitioner):
    client.force_login(practitioner)
    response = client.post(add_url(record), {"kind": "correction", "text": "   "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter the addendum" in html
    assert re.search(r'value="correction"\s*checked', html)
    assert not Addendum.objects.exists()


def test_a_missing_kind_is_explained_and_the_text_kept(client, record, practitioner):
    client.force_login(practitioner)
    html = client.post(add_url(record), {"text": "Typed & kept <b>as is</b>"}).content.decode()
    assert "Select whether this is a correction or further information" in html
    assert escape("Typed & kept <b>as is</b>") in html
    assert not Addendum.objects.exists()


def test_a_long_addendum_is_explained_and_kept_as_typed(client, record, practitioner):
    client.force_login(practitioner)
    typed = "z" * 5001
    html = client.post(add_url(record), {"kind": "correction", "text": typed}).content.decode()
    assert "The addendum must be 5,000 characters or fewer" in html
    assert typed in html
    assert not Addendum.objects.exists()


def test_the_auditor_is_refused(client, record, auditor):
    client.force_login(auditor)
    assert client.get(add_url(record)).status_code == 403
    assert client.post(add_url(record), {"kind": "correction", "text": "No."}).status_code == 403
    assert not Addendum.objects.exists()


@pytest.mark.parametrize("who", ["practitioner2", "manager2"])
def test_others_get_404(client, request, record, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(add_url(record)).status_code == 404
    assert client.post(add_url(record), {"kind": "correction", "text": "No."}).status_code == 404
    assert not Addendum.objects.exists()


def test_a_draft_page_sends_its_author_back(client, practitioner):
    draft = demo.create_draft(author=practitioner, answers={})
    client.force_login(practitioner)
    response = client.post(add_url(draft), {"kind": "correction", "text": "Early."}, follow=True)
    assert "is a draft: change its answers instead" in response.content.decode()
    assert not Addendum.objects.exists()


def test_signing_in_is_required(client, record):
    response = client.post(add_url(record), {"kind": "correction", "text": "Anonymous."})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert not Addendum.objects.exists()
