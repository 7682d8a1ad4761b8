"""The directory stamp (records.DirectoryStamp, migration 0015): database triggers change it
whenever what the filter's choices and a manager's teams are read from changes, however the
change is made, and while it stays those reads are kept between requests (selectors._kept).
A manager's scope comes from those reads, so a change must show on the very next request."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decisions import demo
from records import insight_counts, selectors
from records.models import DirectoryStamp, Organisation, Team, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stamp_row(settings):
    # A transactional test before this one may have flushed the migration's row.
    DirectoryStamp.objects.get_or_create(id=1, defaults={"stamp": 1})
    settings.DATABASE_PREPARED_STATEMENTS = False  # the tests read the SQL


def stamp():
    return DirectoryStamp.objects.get(id=1).stamp


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


CHANGES = {
    "a team added": lambda team, user: Team.objects.create(
        organisation=team.organisation, name="Fictional new team"
    ),
    "a team renamed, by SQL": lambda team, user: raw(
        "UPDATE records_team SET name = %s WHERE id = %s", ["Fictional renamed", team.pk]
    ),
    "a team deleted": lambda team, user: Team.objects.filter(name="Fictional spare").delete(),
    "an organisation renamed": lambda team, user: Organisation.objects.filter(
        pk=team.organisation_id
    ).update(name="Fictional Council"),
    "a user added": lambda team, user: User.objects.create_user("fictional-new", team=team),
    "a user renamed": lambda team, user: User.objects.filter(pk=user.pk).update(
        first_name="Fictional"
    ),
    "a user's role changed, by SQL": lambda team, user: raw(
        "UPDATE records_user SET role = %s WHERE id = %s", ["manager", user.pk]
    ),
    "a user moved team": lambda team, user: User.objects.filter(pk=user.pk).update(team=None),
    "a user deactivated": lambda team, user: User.objects.filter(pk=user.pk).update(
        is_active=False
    ),
    "a team given a manager": lambda team, user: user.managed_teams.add(team),
    "a manager's team taken away": lambda team, user: User.objects.get(
        username="manager"
    ).managed_teams.clear(),
    "an outcome first submitted": lambda team, user: insight_counts.keep_outcome_title(
        "share_with_consent", {"outcome": {"title": "Fictional title"}}
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_each_change_to_what_the_choices_show_changes_the_stamp(
    change, family_team, practitioner, manager
):
    Team.objects.create(organisation=family_team.organisation, name="Fictional spare")
    before = stamp()

    CHANGES[change](family_team, practitioner)

    assert stamp() != before


def test_a_sign_in_changes_nothing_the_choices_show(client, practitioner):
    from tests.conftest import PASSWORD

    before = stamp()

    client.post("/accounts/login/", {"username": practitioner.username, "password": PASSWORD})
    User.objects.filter(pk=practitioner.pk).update(last_login=timezone.now())

    assert User.objects.get(pk=practitioner.pk).last_login is not None
    assert stamp() == before


def test_the_stamp_comes_with_the_signed_in_user(client, auditor):
    client.force_login(auditor)

    response = client.get("/records/")

    assert response.wsgi_request.user.directory_stamp == stamp()


def test_nothing_is_kept_inside_a_transaction(auditor):
    auditor.directory_stamp = stamp()

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        selectors.filter_choices(auditor)
        selectors.filter_choices(auditor)

    assert len([q for q in queries if "records_outcometitle" in q["sql"]]) == 2


def _choice_reads(queries) -> int:
    return len([q for q in queries.captured_queries if "records_outcometitle" in q["sql"]])


@pytest.mark.django_db(transaction=True)
def test_the_choices_are_kept_until_a_change_and_read_again_after(client, auditor, family_team):
    client.force_login(auditor)
    client.get("/records/")

    with CaptureQueriesContext(connection) as queries:
        kept = client.get("/records/")
    raw("UPDATE records_team SET name = %s WHERE id = %s", ["Fictional renamed", family_team.pk])
    with CaptureQueriesContext(connection) as again:
        changed = client.get("/records/")

    assert _choice_reads(queries) == 0
    assert "Family support" in kept.content.decode()
    assert _choice_reads(again) == 1
    page = changed.content.decode()
    assert "Fictional renamed" in page and "Family support" not in page


@pytest.mark.django_db(transaction=True)
def test_a_managers_new_team_is_in_their_scope_on_the_next_request(
    client, manager, practitioner2, school_team
):
    User.objects.filter(pk=practitioner2.pk).update(team=school_team)
    practitioner2.refresh_from_db()
    theirs = demo.create_submitted(
        author=practitioner2, answers=demo.finished_answers("share_without_consent")
    )
    assert theirs.team == school_team and theirs.awaits_manager
    client.force_login(manager)
    for url in ("/records/", "/"):
        assert theirs.reference not in client.get(url).content.decode()

    manager.managed_teams.add(school_team)

    for url in ("/records/", "/"):  # the search, and the approval queue on the home page
        assert theirs.reference in client.get(url).content.decode()
    manager.managed_teams.remove(school_team)
    for url in ("/records/", "/"):
        assert theirs.reference not in client.get(url).content.decode()
