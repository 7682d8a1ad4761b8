import datetime

import pytest
from django.utils import timezone

from decisions import demo
from records.models import AuditEvent, DecisionRecord, SharingConfirmation
from records.services import decision_act


def confirm_url(record):
    return f"/records/{record.reference}/confirm-sharing/"


def dated(day: datetime.date, **fields) -> dict:
    return {
        "shared_on_0": str(day.day),
        "shared_on_1": str(day.month),
        "shared_on_2": str(day.year),
        "means": "By telephone, then secure email",
        "recipient": "DS Example, Northshire Police (fictional)",
        **fields,
    }


@pytest.fixture
def record(practitioner, manager):
    """A share without consent that the manager approved: the practitioner may now share."""
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    decision_act(record=record, manager=manager, kind="approved")
    return record


def nothing_confirmed(record):
    record.refresh_from_db()
    assert record.state == "approved"
    assert not SharingConfirmation.objects.filter(record=record).exists()
    assert not AuditEvent.objects.filter(record=record, event="sharing_confirmed").exists()
    return True


def test_it_sends_an_anonymous_visitor_to_log_in(client, record):
    response = client.get(confirm_url(record))
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={confirm_url(record)}"


def test_it_offers_the_author_the_record_page_link(client, practitioner, manager, record):
    client.force_login(practitioner)
    html = client.get(f"/records/{record.reference}/").content.decode()
    assert f'href="{confirm_url(record)}"' in html

    client.force_login(manager)
    html = client.get(f"/records/{record.reference}/").content.decode()
    assert f'href="{confirm_url(record)}"' not in html


def test_it_fills_in_the_defaults_from_the_record(client, practitioner, record):
    client.force_login(practitioner)

    response = client.get(confirm_url(record))

    assert response.status_code == 200
    html = response.content.decode()
    today = timezone.localdate()
    assert f'name="shared_on_0" value="{today.day}"' in html
    assert f'name="shared_on_1" value="{today.month}"' in html
    assert f'name="shared_on_2" value="{today.year}"' in html
    assert 'name="means" value="Secure email"' in html
    assert 'name="recipient" value="Duty sergeant, Northshire Police (fictional)"' in html
    assert f'<a href="/records/{record.reference}/" class="govuk-back-link">' in html


def test_it_takes_the_defaults_from_the_snapshot(client, practitioner, record):
    snapshot = record.snapshot
    snapshot["sharing"] = {"recipient": "Safeguarding lead, Test Academy", "means": "By hand"}
    DecisionRecord.objects.filter(pk=record.pk).update(snapshot=snapshot)
    client.force_login(practitioner)

    html = client.get(confirm_url(record)).content.decode()

    assert 'name="means" value="By hand"' in html
    assert 'name="recipient" value="Safeguarding lead, Test Academy"' in html


def test_it_records_the_sharing(client, practitioner, record):
    client.force_login(practitioner)
    today = timezone.localdate()

    response = client.post(confirm_url(record), dated(today), REMOTE_ADDR="192.0.2.70")

    assert response.status_code == 302
    assert response.url == f"/records/{record.reference}/"
    record.refresh_from_db()
    assert record.state == "recorded"
    confirmation = SharingConfirmation.objects.get(record=record)
    assert confirmation.shared_on == today
    assert confirmation.means == "By telephone, then secure email"
    assert confirmation.recipient == "DS Example, Northshire Police (fictional)"
    assert confirmation.confirmed_by == practitioner
    event = AuditEvent.objects.get(record=record, event="sharing_confirmed")
    assert event.actor == practitioner
    assert event.ip == "192.0.2.70"
    assert event.details == {"shared_on": today.isoformat()}

    html = client.get(response.url).content.decode()
    assert f"{record.reference}: sharing confirmed." in html
    timeline = html.split('id="timeline"', 1)[1]
    assert "Sharing confirmed" in timeline
    assert "Practitioner Testuser" in timeline.split("Sharing confirmed", 1)[1]
    assert "DS Example, Northshire Police (fictional)" in html
    assert f'href="{confirm_url(record)}"' not in html


def test_it_refuses_a_date_in_the_future_and_keeps_what_was_typed(client, practitioner, record):
    client.force_login(practitioner)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post(confirm_url(record), dated(tomorrow))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error:" in html
    assert "govuk-error-summary" in html
    assert "The date of sharing must be today or in the past" in html
    assert f'name="shared_on_0" value="{tomorrow.day}"' in html
    assert f'name="shared_on_2" value="{tomorrow.year}"' in html
    assert 'name="means" value="By telephone, then secure email"' in html
    assert 'name="recipient" value="DS Example, Northshire Police (fictional)"' in html
    assert nothing_confirmed(record)


def test_it_refuses_a_date_before_the_decision_was_started(client, practitioner, record):
    """A year typed short (26 for 2026) must not be kept on the record as the year 26."""
    client.force_login(practitioner)
    today = timezone.localdate()

    response = client.post(confirm_url(record), dated(today, shared_on_2=str(today.year % 100)))

    assert response.status_code == 200
    assert "The date of sharing must be on or after" in response.content.decode()
    assert nothing_confirmed(record)


def test_it_refuses_a_date_that_does_not_exist(client, practitioner, record):
    client.force_login(practitioner)

    response = client.post(
        confirm_url(record), dated(timezone.localdate(), shared_on_0="31", shared_on_1="2")
    )

    html = response.content.decode()
    assert "The date must be a real date" in html
    assert "out of range" not in html
    assert nothing_confirmed(record)


def test_it_asks_for_every_answer(client, practitioner, record):
    client.force_login(practitioner)

    response = client.post(
        confirm_url(record),
        {"shared_on_0": "", "shared_on_1": "", "shared_on_2": "", "means": "", "recipient": ""},
    )

    html = response.content.decode()
    assert response.status_code == 200
    for message in (
        "Enter the date the information was shared",
        "Enter how the information was shared",
        "Enter who received the information",
    ):
        assert message in html
    assert nothing_confirmed(record)


def test_it_says_which_part_of_the_date_is_missing(client, practitioner, record):
    client.force_login(practitioner)

    response = client.post(confirm_url(record), dated(timezone.localdate(), shared_on_0=""))

    assert "Enter the day of the month" in response.content.decode()
    assert nothing_confirmed(record)


def test_it_confirms_only_once(client, practitioner, record):
    client.force_login(practitioner)
    today = timezone.localdate()
    client.post(confirm_url(record), dated(today))

    response = client.post(confirm_url(record), dated(today, means="Again"), follow=True)

    assert f"{record.reference} is not awaiting confirmation of sharing." in (
        response.content.decode()
    )
    assert SharingConfirmation.objects.get(record=record).means != "Again"
    assert AuditEvent.objects.filter(record=record, event="sharing_confirmed").count() == 1


def test_it_refuses_a_decision_not_yet_approved(client, practitioner):
    awaiting = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    client.force_login(practitioner)

    response = client.get(confirm_url(awaiting))

    assert response.status_code == 302
    assert response.url == f"/records/{awaiting.reference}/"
    assert client.post(confirm_url(awaiting), dated(timezone.localdate())).status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.state == "awaiting_approval"
    assert not SharingConfirmation.objects.filter(record=awaiting).exists()


@pytest.mark.parametrize("other", ["practitioner2", "manager2"])
def test_it_hides_the_page_from_those_who_cannot_see_the_record(client, request, record, other):
    client.force_login(request.getfixturevalue(other))

    assert client.get(confirm_url(record)).status_code == 404
    assert client.post(confirm_url(record), dated(timezone.localdate())).status_code == 404
    assert nothing_confirmed(record)


@pytest.mark.parametrize("other", ["manager", "auditor"])
def test_it_refuses_those_who_see_the_record_but_did_not_make_it(client, request, record, other):
    client.force_login(request.getfixturevalue(other))

    response = client.get(confirm_url(record))
    assert response.status_code == 403
    assert "Only the practitioner who made the decision confirms the sharing." in (
        response.content.decode()
    )
    assert client.post(confirm_url(record), dated(timezone.localdate())).status_code == 403
    assert nothing_confirmed(record)


def test_it_allows_only_get_and_post(client, practitioner, record):
    client.force_login(practitioner)
    assert client.put(confirm_url(record)).status_code == 405


def test_it_links_a_date_error_to_the_day_input(client, practitioner, record):
    client.force_login(practitioner)
    data = {**dated(timezone.localdate()), "shared_on_0": "30", "shared_on_1": "2"}
    response = client.post(confirm_url(record), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_shared_on_0"' in html
    assert 'id="id_shared_on_0"' in html
    assert nothing_confirmed(record)
