"""RowByPk: the signed-in user, their session and their device, read without building an ORM
query, must be the very objects the ORM reads (values and types, on both databases)."""

from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.models import AuditEvent, User, UserSession
from records.rows import Prepared, RowByPk, among_spelt_out
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

    read = RowByPk(UserSession).get(key)

    assert read.session_data == UserSession.objects.get(pk=key).session_data
    assert read.expire_date > timezone.now()


def test_it_reads_joined_rows_as_select_related_does(settings, client, manager):
    settings.DATABASE_PREPARED_STATEMENTS = False  # counted as run, not PREPARE and EXECUTE
    device = enrolled(manager)
    client.force_login(manager)
    key = client.session.session_key
    UserSession.objects.filter(pk=key).update(totp_device=device)

    with CaptureQueriesContext(connection) as queries:
        read = RowByPk(UserSession, joined=("user", "totp_device")).get(key)
        user, got_device = read.user, read.totp_device

    expected = UserSession.objects.select_related("user", "totp_device").get(pk=key)
    assert len(queries) == 1
    assert _fields(read) == _fields(expected)
    assert _fields(user) == _fields(expected.user)
    assert _fields(got_device) == _fields(expected.totp_device)
    assert user._state.adding is False and got_device._state.db == "default"


def test_it_sets_each_scalar_on_the_instance(practitioner):
    read = RowByPk(User, scalars={"answer": "(SELECT 42)", "nothing": "NULL"}).get(practitioner.pk)

    assert (read.answer, read.nothing) == (42, None)
    assert _fields(read) == _fields(User.objects.get(pk=practitioner.pk))


@pytest.mark.parametrize("device_id", [None, 999_999])  # no device named; one deleted since
def test_a_join_that_finds_no_row_is_none_without_a_query(client, practitioner, device_id):
    client.force_login(practitioner)
    key = client.session.session_key
    UserSession.objects.filter(pk=key).update(totp_device_id=device_id)

    read = RowByPk(UserSession, joined=("user", "totp_device")).get(key)

    with CaptureQueriesContext(connection) as queries:
        assert read.totp_device is None
        assert read.user == practitioner
    assert len(queries) == 0


@pytest.mark.parametrize("missing", [0, 999_999])
def test_it_gives_none_for_no_row(db, missing):
    assert RowByPk(User).get(missing) is None


def test_it_gives_none_for_a_session_key_that_is_not_there(db):
    assert RowByPk(UserSession).get("no-such-session-key-at-all") is None


def test_an_expired_session_signs_nobody_in(client, practitioner):
    client.force_login(practitioner)
    UserSession.objects.filter(pk=client.session.session_key).update(
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


# Prepared: a values() query built once per shape, run with other ids.


def _authored_by(user, states):
    return (
        User.objects.filter(pk=user, role__in=states)
        .order_by("pk")
        .values("pk", "username", "last_login", "is_active")
    )


def _in_teams(teams, *, user):
    return (
        User.objects.filter(team_id__in=teams)
        .exclude(pk=user)
        .order_by("username")
        .values("username", "team_id", "date_joined")
    )


def test_prepared_rows_are_the_orms_rows_for_each_id(practitioner, practitioner2, manager):
    prepared = Prepared(User, lambda roles, **ids: _authored_by(ids["user"], roles))
    roles = ("practitioner", "manager")

    for user in (practitioner, practitioner2, manager):
        assert prepared.rows(shape=(roles,), user=user.pk) == list(_authored_by(user.pk, roles))
    assert len(prepared._compiled) == 1  # built once, run three times


def test_prepared_puts_each_id_of_a_list_in_its_place(
    practitioner, practitioner2, manager, manager2, family_team, school_team
):
    prepared = Prepared(User, lambda teams, user: _in_teams(teams, user=user))
    both = [family_team.pk, school_team.pk]

    for teams, user in [
        (both, practitioner.pk),
        ([school_team.pk, family_team.pk], manager.pk),
        ([family_team.pk], practitioner2.pk),
        ([school_team.pk], manager2.pk),
    ]:
        assert prepared.rows(teams=teams, user=user) == list(_in_teams(teams, user=user))
    assert len(prepared._compiled) == 2  # a list of two ids, a list of one


def test_prepared_gives_no_rows_for_an_empty_list_as_the_orm_does(practitioner):
    prepared = Prepared(User, lambda teams, user: _in_teams(teams, user=user))

    assert prepared.rows(teams=[], user=practitioner.pk) == []
    assert list(_in_teams([], user=practitioner.pk)) == []


def test_prepared_refuses_an_id_the_query_does_not_use(db):
    prepared = Prepared(User, lambda user: User.objects.values("pk"))

    with pytest.raises(ValueError, match="ids missing"):
        prepared.rows(user=1)


def test_prepared_get_is_the_orms_get(practitioner, practitioner2):
    from decisions import demo
    from records.models import DecisionRecord
    from records.rows import PreparedGet

    mine = demo.create_draft(author=practitioner, answers={"urgent": "no"}, complete=False)
    theirs = demo.create_draft(author=practitioner2, answers={"urgent": "yes"}, complete=False)
    get = PreparedGet(
        DecisionRecord,
        lambda reference, author: DecisionRecord.objects.filter(reference=reference, author=author)[
            :2
        ],
    )

    for record in (mine, theirs):
        read = get.get(reference=record.reference, author=record.author_id)
        assert _fields(read) == _fields(DecisionRecord.objects.get(pk=record.pk))
        assert read.answers == record.answers  # JSON parsed, as the ORM parses it
    assert get.get(reference=mine.reference, author=practitioner2.pk) is None


def _records_with_joins(author: int):
    from django.db.models import Exists, OuterRef

    from records.models import Addendum, DecisionRecord

    return (
        DecisionRecord.objects.filter(author=author)
        .select_related("author", "team__organisation", "sharing_confirmation__confirmed_by")
        .annotate(has_addenda=Exists(Addendum.objects.filter(record=OuterRef("pk"))))
        .order_by("pk")
    )


def test_prepared_models_are_the_orms_instances_with_their_joins_and_annotations(
    practitioner, practitioner2, manager
):
    from decisions import demo
    from records.models import DecisionRecord, SharingConfirmation
    from records.rows import PreparedModels
    from records.services import addendum_add

    answers = demo.finished_answers("share_with_consent")
    shared = demo.create_submitted(author=practitioner, answers=answers)
    SharingConfirmation.objects.create(
        record=shared,
        shared_on=timezone.localdate(),
        means="Secure e-mail",
        recipient="A fictional school",
        confirmed_by=practitioner,
        confirmed_at=timezone.now(),
    )
    noted = demo.create_submitted(author=practitioner, answers=answers)
    addendum_add(record=noted, author=practitioner, kind="correction", text="A fictional note.")
    demo.create_submitted(author=practitioner2, answers=answers)
    prepared = PreparedModels(DecisionRecord, _records_with_joins)

    for user in (practitioner, practitioner2, manager):
        read = prepared.all(author=user.pk)
        expected = list(_records_with_joins(user.pk))
        assert [_fields(r) for r in read] == [_fields(r) for r in expected]
        for mine, theirs in zip(read, expected, strict=True):
            with CaptureQueriesContext(connection) as queries:
                assert _fields(mine.author) == _fields(theirs.author)
                assert _fields(mine.team.organisation) == _fields(theirs.team.organisation)
                assert mine.has_addenda is theirs.has_addenda
                confirmed = hasattr(mine, "sharing_confirmation")
                assert confirmed == hasattr(theirs, "sharing_confirmation")
                if confirmed:
                    assert _fields(mine.sharing_confirmation.confirmed_by) == _fields(practitioner)
            assert len(queries) == 0  # every joined row came with the record
    mine = prepared.all(author=practitioner.pk)
    assert [(r.pk, r.has_addenda) for r in mine] == [(shared.pk, False), (noted.pk, True)]
    assert mine[0].sharing_confirmation.recipient == "A fictional school"
    assert len(prepared.prepared._compiled) == 1  # built once, run three times


def test_prepared_models_get_is_none_for_no_row_and_refuses_two(practitioner):
    from decisions import demo
    from records.models import DecisionRecord
    from records.rows import PreparedModels

    prepared = PreparedModels(DecisionRecord, lambda author: _records_with_joins(author)[:2])
    assert prepared.get(author=practitioner.pk) is None

    demo.create_submitted(author=practitioner, answers=demo.finished_answers("share_with_consent"))
    assert prepared.get(author=practitioner.pk).author_id == practitioner.pk
    demo.create_submitted(author=practitioner, answers=demo.finished_answers("share_with_consent"))
    with pytest.raises(DecisionRecord.MultipleObjectsReturned):
        prepared.get(author=practitioner.pk)


def test_row_insert_stores_what_save_base_raw_stores(auditor):
    from records.models import AuditEvent
    from records.rows import RowInsert

    at = timezone.now() - timedelta(days=3)
    values = dict(
        at=at,
        actor=auditor,
        actor_username="auditor",
        actor_role="auditor",
        event=AuditEvent.Event.VIEWED,
        record_reference="ISD-2024-00001",
        ip="192.0.2.1",
        details={"fictional": ["a", 1, None], "nested": {"ok": True}},
        prev_hash="a" * 64,
        hash="b" * 64,
    )
    ours = RowInsert(AuditEvent).insert(AuditEvent(**values), using="default")
    theirs = AuditEvent(**values)
    theirs.save_base(raw=True, force_insert=True, using="default")

    read_ours, read_theirs = (AuditEvent.objects.get(pk=row.pk) for row in (ours, theirs))
    assert ours.pk and ours.pk != theirs.pk and not ours._state.adding
    assert {**_fields(read_ours), "id": None} == {**_fields(read_theirs), "id": None}
    assert read_ours.at == at  # as given: no auto_now_add


def test_row_update_changes_only_the_matching_row(practitioner, practitioner2):
    from decisions import demo
    from records.models import DecisionRecord
    from records.rows import RowUpdate

    mine = demo.create_draft(author=practitioner, answers={"urgent": "no"}, complete=False)
    theirs = demo.create_draft(author=practitioner2, answers={"urgent": "no"}, complete=False)
    update = RowUpdate(DecisionRecord, fields=("answers", "updated_at"), where=("id", "author"))
    now = timezone.now()

    assert (
        update.update(
            {"answers": {"urgent": "yes"}, "updated_at": now},
            {"id": mine.pk, "author": practitioner2.pk},
        )
        == 0
    )
    assert (
        update.update(
            {"answers": {"urgent": "yes", "n": [1]}, "updated_at": now},
            {"id": mine.pk, "author": practitioner.pk},
        )
        == 1
    )

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.answers == {"urgent": "yes", "n": [1]} and mine.updated_at == now
    assert theirs.answers == {"urgent": "no"}


# --- Prepared statements (PostgreSQL) -------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Prepared statements are PostgreSQL's"
)


def _executed(sqls):
    return [sql for sql in sqls if sql.startswith("EXECUTE share_")]


def _prepared_names():

    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def _run(sql, params):

    from records.rows import execute

    with connection.cursor() as cursor:
        execute(connection, cursor, sql, params)
        return cursor.fetchall()


@postgresql_only
def test_it_prepares_a_statement_once_and_runs_it_with_each_value(
    practitioner, practitioner2, manager
):

    users = RowByPk(User)
    with CaptureQueriesContext(connection) as queries:
        read = [users.get(user.pk) for user in (practitioner, practitioner2, manager)]

    assert [user.username for user in read] == [
        practitioner.username,
        practitioner2.username,
        manager.username,
    ]
    sqls = [query["sql"] for query in queries.captured_queries]
    prepares = [sql for sql in sqls if sql.startswith("PREPARE ")]
    assert len(prepares) <= 1  # none when an earlier test prepared it on this connection
    assert len(_executed(sqls)) == 3
    assert _executed(sqls)[0].split(" ")[1] in _prepared_names()


@postgresql_only
def test_a_queue_with_constant_booleans_is_prepared_and_read_as_the_orm_reads_it(
    practitioner, manager
):
    """The queue head's CASE chooses between two constants, whose type PostgreSQL cannot
    tell: they are declared boolean, and the rows are the same as without preparing."""

    from decisions import demo
    from records import selectors

    demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    with CaptureQueriesContext(connection) as queries:
        prepared = selectors.queue_head(manager, size=10)
    with override_settings(DATABASE_PREPARED_STATEMENTS=False):
        written = selectors.queue_head(manager, size=10)

    assert prepared == written
    assert prepared[1] == 1
    assert _executed([q["sql"] for q in queries.captured_queries])


@postgresql_only
def test_a_statement_postgresql_cannot_prepare_runs_as_written_and_the_transaction_goes_on(
    db,
):
    # A parameter with no type PostgreSQL can infer: PREPARE refuses it.
    assert _run("SELECT %s IS NULL", [None]) == [(True,)]
    assert _run("SELECT %s IS NULL", [1]) == [(False,)]
    assert _run("SELECT 1", []) == [(1,)]  # the test's transaction is still usable


@postgresql_only
def test_a_literal_percent_sign_survives_preparing(db):
    assert _run("SELECT 'a%%b' || %s::text", ["c"]) == [("a%bc",)]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_its_statements_again(practitioner):

    users = RowByPk(User)
    assert users.get(practitioner.pk).username == practitioner.username
    connection.close()  # as after a restart of the server, or CONN_MAX_AGE

    assert users.get(practitioner.pk).username == practitioner.username
    # What the connection believes prepared is what the new session holds: nothing stale.
    held = connections["default"].__dict__["prepared_statements"]
    assert held
    assert held == _prepared_names()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_statement_run_through_djangos_connection_proxy_survives_a_new_connection(auditor):
    """``django.db.connection`` is a proxy: what is prepared is kept on the connection it
    stands for, so a new connection (CONN_MAX_AGE, a restart) prepares again."""
    from django.db import connection as proxy

    from records.selectors import filter_choices

    before = filter_choices(auditor)
    proxy.close()

    assert filter_choices(auditor) == before
    assert "prepared_statements" not in proxy.__dict__
    assert connections["default"].__dict__["prepared_statements"] == _prepared_names()


def test_with_preparing_off_the_sql_runs_as_written(settings, practitioner):

    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as queries:
        assert RowByPk(User).get(practitioner.pk).pk == practitioner.pk

    assert [q["sql"] for q in queries.captured_queries][0].startswith("SELECT ")


def test_a_connection_not_kept_between_requests_prepares_nothing(practitioner):
    """With CONN_MAX_AGE 0 each request has a new connection: a PREPARE would be a round
    trip more for every statement, every request."""
    wrapper = connections["default"]
    kept = wrapper.settings_dict["CONN_MAX_AGE"]
    wrapper.settings_dict["CONN_MAX_AGE"] = 0
    try:
        with CaptureQueriesContext(connection) as queries:
            assert RowByPk(User).get(practitioner.pk).pk == practitioner.pk
    finally:
        wrapper.settings_dict["CONN_MAX_AGE"] = kept

    assert [q["sql"] for q in queries.captured_queries][0].startswith("SELECT ")


def test_a_query_planned_each_time_is_never_prepared(settings, practitioner, manager):
    """A record's trail is planned for its own record each time: a generic plan, made once
    for every record, walked the whole audit table by time for a record with thousands of
    views (3 ms at 5,000 events, and growing with the table)."""
    from decisions import demo
    from records.selectors import audit_events_for

    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    settings.DATABASE_PREPARED_STATEMENTS = True
    with CaptureQueriesContext(connection) as queries:
        for _ in range(7):  # PostgreSQL chooses a generic plan after five runs
            trail = audit_events_for(record, user=manager)

    trail_sqls = [q["sql"] for q in queries.captured_queries if "records_auditevent" in q["sql"]]
    assert len(trail_sqls) == 7
    assert all(sql.startswith('SELECT "records_auditevent".') for sql in trail_sqls)
    assert not _executed(trail_sqls)
    assert [event.event for event in trail.events][-1] == "record_created"


# --- among_spelt_out: codes in the SQL, for a partial index made for them ----------------------


def test_it_spells_the_codes_out_and_finds_what_the_orm_finds(record_with_events):
    codes = [AuditEvent.Event.SUBMITTED, "record_created"]

    spelt_out = AuditEvent.objects.filter(among_spelt_out(AuditEvent, "event", codes))
    sql, params = spelt_out.query.sql_with_params()

    assert "IN ('submitted', 'record_created')" in sql
    assert params == ()
    assert sorted(spelt_out.values_list("pk", flat=True)) == sorted(
        AuditEvent.objects.filter(event__in=codes).values_list("pk", flat=True)
    )
    assert spelt_out.exists()


@pytest.mark.parametrize(
    "codes",
    [
        [],
        ["viewed') OR ('1' = '1"],
        ["Viewed"],
        ["viewed;"],
        ["view ed"],
        ["vi\x00ewed"],
        [5],
        ["viewed", "%s"],
    ],
)
def test_it_refuses_anything_but_codes(codes):
    with pytest.raises(ValueError, match="not codes"):
        among_spelt_out(AuditEvent, "event", codes)


@pytest.fixture
def record_with_events(practitioner):
    from decisions import demo

    return demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
