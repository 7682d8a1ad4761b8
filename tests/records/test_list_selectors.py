"""The filter form's choices (records/selectors.py), read in one plain SQL query: who and
what a user may choose among, in order."""

import io

from django.core.management import call_command

from decisions import demo
from records import insight_counts, selectors
from records.models import DecisionRecord, Organisation, OutcomeTitle, Team, User


def test_outcomes_are_each_outcome_submitted_with_its_title_by_title(practitioner):
    for outcome in ("share_with_consent", "not_share_no_purpose", "share_with_consent"):
        demo.create_submitted(author=practitioner, answers=demo.finished_answers(outcome))
    with_consent = DecisionRecord.objects.filter(outcome="share_with_consent").first()
    no_purpose = DecisionRecord.objects.get(outcome="not_share_no_purpose")

    choices = list(selectors.outcome_choices())

    assert choices == sorted(
        [
            ("share_with_consent", with_consent.snapshot["outcome"]["title"]),
            ("not_share_no_purpose", no_purpose.snapshot["outcome"]["title"]),
        ],
        key=lambda choice: choice[1],
    )


def test_a_later_submission_retitles_its_outcome(practitioner):
    demo.create_submitted(author=practitioner, answers=demo.finished_answers("share_with_consent"))

    # As a submission under a later flowchart version with a new title would.
    insight_counts.keep_outcome_title(
        "share_with_consent", {"outcome": {"title": "Fictional retitled outcome"}}
    )

    assert list(selectors.outcome_choices()) == [
        ("share_with_consent", "Fictional retitled outcome")
    ]


def test_the_rebuild_takes_each_outcomes_latest_records_title(practitioner):
    """Records loaded some other way (here, a snapshot changed behind the services' back):
    ``rebuild_insight_counts`` takes each outcome's title from its latest record."""
    for outcome in ("share_with_consent", "not_share_no_purpose", "share_with_consent"):
        demo.create_submitted(author=practitioner, answers=demo.finished_answers(outcome))
    latest = DecisionRecord.objects.filter(outcome="share_with_consent").latest("submitted_at")
    latest.snapshot["outcome"]["title"] = "Fictional retitled outcome"
    DecisionRecord.objects.filter(pk=latest.pk).update(snapshot=latest.snapshot)
    OutcomeTitle.objects.all().delete()
    no_purpose = DecisionRecord.objects.get(outcome="not_share_no_purpose")

    call_command("rebuild_insight_counts", stdout=io.StringIO())

    assert list(selectors.outcome_choices()) == sorted(
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
    assert choices.teams == () and choices.people == ()


def test_the_migration_fills_the_titles_from_the_records_already_there(practitioner):
    from importlib import import_module

    from django.apps import apps

    fill = import_module("records.migrations.0010_outcome_titles").fill
    for outcome in ("share_with_consent", "not_share_no_purpose", "share_with_consent"):
        demo.create_submitted(author=practitioner, answers=demo.finished_answers(outcome))
    kept = sorted(OutcomeTitle.objects.values_list("outcome", "title"))
    OutcomeTitle.objects.all().delete()

    fill(apps, None)

    assert sorted(OutcomeTitle.objects.values_list("outcome", "title")) == kept
    assert len(kept) == 2


def test_a_managers_team_choices_say_which_teams_they_manage(
    manager, manager2, family_team, school_team
):
    """records_page takes a manager's scope from these, not from a query of its own."""
    for user in (manager, manager2):
        teams = selectors.filter_choices(user).teams

        assert selectors.submitted_scope(user, teams) == selectors.submitted_scope(user)
        assert {team.pk for team in teams if team.managed} == set(
            user.managed_teams.values_list("pk", flat=True)
        )
