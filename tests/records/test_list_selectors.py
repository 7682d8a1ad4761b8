"""The filter form's choices (records/selectors.py), read in one plain SQL query: who and
what a user may choose among, in order."""

from decisions import demo
from records import selectors
from records.models import DecisionRecord, Organisation, Team, User


def test_outcomes_are_each_outcome_with_its_latest_title_by_title(practitioner):
    for outcome in ("share_with_consent", "not_share_no_purpose", "share_with_consent"):
        demo.create_submitted(author=practitioner, answers=demo.finished_answers(outcome))
    latest = DecisionRecord.objects.filter(outcome="share_with_consent").latest("submitted_at")
    latest.snapshot["outcome"]["title"] = "Fictional retitled outcome"
    DecisionRecord.objects.filter(pk=latest.pk).update(snapshot=latest.snapshot)
    no_purpose = DecisionRecord.objects.get(outcome="not_share_no_purpose")

    choices = selectors.outcome_choices()

    assert choices == sorted(
        [
            ("share_with_consent", "Fictional retitled outcome"),
            ("not_share_no_purpose", no_purpose.snapshot["outcome"]["title"]),
        ],
        key=lambda choice: choice[1],
    )


def test_an_auditor_chooses_among_every_team_and_everyone_who_decides(
    auditor, practitioner, manager, manager2, family_team, school_team
):
    choices = selectors.filter_choices(auditor)
    teams, people = choices.teams, choices.people

    # By organisation, then team: Test Academy before Testshire Council.
    assert [(team.name, team.organisation) for team in teams] == [
        ("Pastoral", "Test Academy"),
        ("Family support", "Testshire Council"),
    ]
    assert [name for _, name in people] == [
        "Manager Testuser",
        "Manager2 Testuser",
        "Practitioner Testuser",
    ]


def test_a_manager_chooses_among_their_teams_and_organisation_once_each(
    manager, practitioner, manager2, family_team
):
    council = family_team.organisation
    other = Team.objects.create(organisation=council, name="Early help")
    elsewhere = Team.objects.create(
        organisation=Organisation.objects.create(name="Fictional Trust", kind="health"),
        name="Health visiting",
    )
    manager.managed_teams.add(elsewhere)
    colleague = User.objects.create_user("colleague", team=other, organisation=council)

    teams = selectors.teams_visible_to(manager)
    people = selectors.practitioners_visible_to(manager)

    assert [team.name for team in teams] == ["Health visiting", "Early help", "Family support"]
    assert {pk for pk, _ in people} == {manager.pk, practitioner.pk, colleague.pk}
    assert [name for _, name in people][0] == "colleague"  # no first name: the username


def test_a_practitioner_is_offered_the_outcomes_only(practitioner):
    demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("not_share_no_purpose")
    )

    choices = selectors.filter_choices(practitioner)

    assert [code for code, _ in choices.outcomes] == ["not_share_no_purpose"]
    assert choices.teams == [] and choices.people == []
