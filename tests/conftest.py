"""Named users per role, as the design notes' demo data has them (all fictional).

Models are imported inside the fixtures so that tests which need no Django (the content
files' test) can run with ``-p no:django``.
"""

import pytest

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with no autovacuum on its tables on PostgreSQL. Tests that read
    the planner's choices (tests/records/test_list_queries.py, test_record_trail.py) plan
    queries over a few rows, where statistics decide between plans of the same cost; with
    autovacuum on, they were whatever its last ANALYZE, at some moment of the suite, had
    counted, and two clean-clone runs failed a plan test that had passed in the run before.
    The bench's server keeps autovacuum on."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT format('ALTER TABLE %I.%I SET (autovacuum_enabled = false)', "
                    "schemaname, tablename) FROM pg_tables WHERE schemaname = current_schema()"
                )
                for (statement,) in cursor.fetchall():
                    cursor.execute(statement)


@pytest.fixture
def family_team(db):
    from records.models import Organisation, Team

    council = Organisation.objects.create(name="Testshire Council", kind="council")
    return Team.objects.create(organisation=council, name="Family support")


@pytest.fixture
def school_team(db):
    from records.models import Organisation, Team

    school = Organisation.objects.create(name="Test Academy", kind="school")
    return Team.objects.create(organisation=school, name="Pastoral")


def _user(username, role, team, manages=()):
    from records.models import User

    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        team=team,
        organisation=team.organisation if team else None,
        first_name=username.title(),
        last_name="Testuser",
    )
    user.managed_teams.set(manages)
    return user


@pytest.fixture
def practitioner(family_team):
    return _user("practitioner", "practitioner", family_team)


@pytest.fixture
def practitioner2(family_team):
    return _user("practitioner2", "practitioner", family_team)


@pytest.fixture
def manager(family_team):
    return _user("manager", "manager", family_team, [family_team])


@pytest.fixture
def manager2(school_team):
    return _user("manager2", "manager", school_team, [school_team])


@pytest.fixture
def auditor(family_team):
    return _user("auditor", "auditor", None)


@pytest.fixture
def admin(family_team):
    """The superuser who runs /admin/ (organisations, teams, users), as load_demo has one."""
    from records.models import User

    return User.objects.create_superuser(
        username="admin",
        password=PASSWORD,
        organisation=family_team.organisation,
        first_name="Admin",
        last_name="Testuser",
    )


def named_users() -> dict:
    """Every named user above, made at once (the same teams and roles as the fixtures), for a
    module-scoped world such as the access matrix's; the caller provides database access."""
    from records.models import Organisation, Team, User

    council = Organisation.objects.create(name="Testshire Council", kind="council")
    family = Team.objects.create(organisation=council, name="Family support")
    school = Organisation.objects.create(name="Test Academy", kind="school")
    pastoral = Team.objects.create(organisation=school, name="Pastoral")
    return {
        "practitioner": _user("practitioner", "practitioner", family),
        "practitioner2": _user("practitioner2", "practitioner", family),
        "manager": _user("manager", "manager", family, [family]),
        "manager2": _user("manager2", "manager", pastoral, [pastoral]),
        "auditor": _user("auditor", "auditor", None),
        "admin": User.objects.create_superuser(
            username="admin",
            password=PASSWORD,
            organisation=council,
            first_name="Admin",
            last_name="Testuser",
        ),
    }
