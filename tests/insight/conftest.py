import pytest

from tests.conftest import _user
from tests.insight.fixtures import fixed_records


@pytest.fixture
def school_practitioner(school_team):
    return _user("schoolpractitioner", "practitioner", school_team)


@pytest.fixture
def records(family_team, school_team, practitioner, school_practitioner, manager):
    fixed_records(
        team=family_team,
        other_team=school_team,
        author=practitioner,
        other_author=school_practitioner,
        manager=manager,
    )
