"""RowByPk: the signed-in user, their session and their device, read without building an ORM
query, must be the very objects the ORM reads (values and types, on both databases)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.models import User
from records.rows import RowByPk
from tests.records.mfa_helpers import enrolled


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_it_reads_a_user_as_the_orm_does(auditor):
    auditor.last_login = timezone.now()
    auditor.save()

    read = RowByPk(User).get(auditor.pk)

    expected = User.objects.get(pk=auditor.pk)
    assert _fields(read) == _fields(expected)
    assert read.last_login.tzinfo is not None
    assert isinstance(read.is_active, bool)
    assert read._state.adding is False
    assert read._state.db == "default"


def test_it_reads_each_kind_of_device_as_the_orm_does(auditor):
    totp = enrolled(auditor)
    static = StaticDevice.objects.get(user=auditor)

    assert _fields(RowByPk(TOTPDevice).get(totp.pk)) == _fields(TOTPDevice.objects.get(pk=totp.pk))
    assert _fields(RowByPk(StaticDevice).get(static.pk)) == _fields(
        StaticDevice.objects.get(pk=static.pk)
    )


def test_it_reads_a_session_by_its_text_key(client, practitioner):
    client.force_login(practitioner)
    key = client.session.session_key

    read = RowByPk(Session).get(key)

    assert read.session_data == Session.objects.get(pk=key).session_data
    assert read.expire_date > timezone.now()


@pytest.mark.parametrize("missing", [0, 999_999])
def test_it_gives_none_for_no_row(db, missing):
    assert RowByPk(User).get(missing) is None


def test_it_gives_none_for_a_session_key_that_is_not_there(db):
    assert RowByPk(Session).get("no-such-session-key-at-all") is None


def test_an_expired_session_signs_nobody_in(client, practitioner):
    client.force_login(practitioner)
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get("/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_deactivated_user_is_signed_out_on_their_next_request(client, practitioner):
    client.force_login(practitioner)
    User.objects.filter(pk=practitioner.pk).update(is_active=False)  # behind the service

    response = client.get("/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
