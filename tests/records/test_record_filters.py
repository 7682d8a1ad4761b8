"""/records/ filters: what each selects, who may choose what, and bad input told, never a 500."""

import datetime
import re

import pytest
from django.db import connection
from django.utils import timezone

from decisions import demo
from records import selectors
from records.models import DecisionRecord

State = DecisionRecord.State


def submitted(author, outcome="share_with_consent", **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


def listed(response):
    assert response.status_code == 200
    return {row["reference"] for row in response.context["page"].object_list}


def refs(*records):
    return {record.reference for record in records}


def backdate(record, days):
    """Submitted ``days`` ago, at noon local time."""
    at = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() - datetime.timedelta(days=days), datetime.time(12)
        )
    )
    DecisionRecord.objects.filter(pk=record.pk).update(submitted_at=at)
    record.submitted_at = at
    return record


# --- What submission copies out for the search ---------------------------------------------


def test_submission_copies_the_lawful_basis_and_every_free_text_answer(practitioner):
    record = submitted(
        practitioner,
        "share_without_consent",
        article6="vital_interests",
        purpose_text="Fictional: worry about bruising seen at school.",
        proportionality="Fictional: the risk of harm outweighs privacy.",
    )
    record.refresh_from_db()

    assert record.lawful_basis == "vital_interests"
    lines = record.reasons_text.splitlines()
    assert "Fictional: worry about bruising seen at school." in lines
    assert "Fictional: the risk of harm outweighs privacy." in lines
    assert demo.SHARING["shared_what"] in lines
    assert demo.CLOSING["follow_up_actions"] in lines
    # Free text with a column of its own is matched there, not in the reasons.
    assert demo.CONTEXT["subject_reference"] not in record.reasons_text


def test_a_refusal_has_no_lawful_basis_and_answers_off_the_path_are_not_reasons(practitioner):
    record = submitted(
        practitioner,
        "not_share_no_purpose",
        article6="consent",  # left over from a path not taken
        shared_what="Fictional: never shared, off the path.",
    )
    record.refresh_from_db()

    assert record.lawful_basis == ""
    assert "never shared" not in record.reasons_text
    assert demo.CASES["not_share_no_purpose"]["purpose_text"] in record.reasons_text


# --- Each filter ------------------------------------------------------------------------


@pytest.fixture
def variety(practitioner, practitioner2, manager, manager2):
    """Records that differ in one thing at a time (all fictional)."""
    return {
        "consent": backdate(
            submitted(
                practitioner,
                "share_with_consent",
                subject_reference="CASE-A-100",
                other_agency="Northshire Police",
                article6="consent",
                purpose_text="Fictional: bruising seen at school.",
            ),
            days=40,
        ),
        "refusal": backdate(
            submitted(
                practitioner2,
                "not_share_no_purpose",
                subject_reference="CASE-A-200",
                other_agency="Riverside Academy",
                purpose_text="Fictional: the neighbours argue about parking.",
            ),
            days=10,
        ),
        "urgent": submitted(
            manager,
            "share_without_consent",
            urgent="yes",
            subject_reference="case-b-300",
            other_agency="Eastmoor NHS Trust",
            article6="vital_interests",
            proportionality="Fictional: signs of trafficking; the police lead.",
        ),
        "school": submitted(
            manager2,
            "share_with_consent",
            subject_reference="CASE-C-400",
            other_agency="Westfield GP practice",
            article6="public_task",
        ),
    }


def search(client, user, **params):
    client.force_login(user)
    return client.get("/records/", params)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"consent", "refusal", "urgent", "school"}),
        ({"outcome": "share_with_consent"}, {"consent", "school"}),
        ({"outcome": "not_share_no_purpose"}, {"refusal"}),
        ({"state": "awaiting_review"}, {"urgent"}),
        ({"state": "recorded"}, {"consent", "refusal", "school"}),
        ({"lawful_basis": "consent"}, {"consent"}),
        ({"lawful_basis": "vital_interests"}, {"urgent"}),
        ({"lawful_basis": "none"}, {"refusal"}),
        ({"urgent": "yes"}, {"urgent"}),
        ({"urgent": "no"}, {"consent", "refusal", "school"}),
        ({"case": "case-a"}, {"consent", "refusal"}),
        ({"case": "CASE-B-300"}, {"urgent"}),
        ({"case": "A-100"}, set()),  # the start of a reference, not any part of it
        ({"q": "case-c-4"}, {"school"}),
        ({"q": "eastmoor"}, {"urgent"}),
        ({"q": "Police"}, set()),  # the start of the agency's name
        ({"text": "trafficking"}, {"urgent"}),
        ({"text": "bruising"}, {"consent"}),
        ({"text": "nothing like this"}, set()),
        ({"outcome": "share_with_consent", "lawful_basis": "public_task"}, {"school"}),
    ],
)
def test_each_filter_selects_what_it_says(client, auditor, variety, params, expected):
    assert listed(search(client, auditor, **params)) == refs(*(variety[k] for k in expected))


def test_dates_run_from_the_start_of_one_day_to_the_end_of_the_other(client, auditor, variety):
    today = timezone.localdate()
    day = (today - datetime.timedelta(days=10)).isoformat()

    assert listed(search(client, auditor, date_from=day, date_to=day)) == refs(variety["refusal"])
    assert listed(search(client, auditor, date_to=day)) == refs(
        variety["consent"], variety["refusal"]
    )
    assert listed(search(client, auditor, date_from=today.isoformat())) == refs(
        variety["urgent"], variety["school"]
    )
    # Typed the British way too.
    assert listed(
        search(client, auditor, date_to=f"{today - datetime.timedelta(days=10):%d/%m/%Y}")
    )


def test_organisation_team_and_practitioner(client, auditor, variety, practitioner, family_team):
    school = variety["school"].team
    assert listed(search(client, auditor, organisation=school.organisation_id)) == refs(
        variety["school"]
    )
    assert listed(search(client, auditor, team=family_team.pk)) == refs(
        variety["consent"], variety["refusal"], variety["urgent"]
    )
    assert listed(search(client, auditor, practitioner=practitioner.pk)) == refs(variety["consent"])


def test_overdue_is_the_queues_overdue(client, auditor, manager, practitioner):
    late = submitted(practitioner, "share_without_consent")
    DecisionRecord.objects.filter(pk=late.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=20)
    )
    fresh = submitted(practitioner, "share_without_consent")
    submitted(practitioner, "share_with_consent")  # recorded: awaits nobody

    overdue = listed(search(client, auditor, overdue="yes"))

    assert overdue == refs(late)
    assert fresh.reference not in overdue
    queue_overdue = set(selectors.overdue_for(manager).values_list("reference", flat=True))
    assert overdue == queue_overdue


def test_oldest_first_and_newest_first(client, auditor, variety):
    client.force_login(auditor)
    newest = [row["reference"] for row in client.get("/records/").context["page"].object_list]
    oldest = [
        row["reference"]
        for row in client.get("/records/", {"sort": "oldest"}).context["page"].object_list
    ]

    assert oldest == newest[::-1]
    assert newest[-1] == variety["consent"].reference


# --- Who may choose what -------------------------------------------------------------------


def options(response, name):
    html = response.content.decode()
    select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return set(re.findall(r'<option value="([^"]*)"', select)) - {""}


def test_an_auditor_may_choose_every_organisation_team_and_practitioner(
    client, auditor, variety, practitioner, manager2, family_team, school_team
):
    response = search(client, auditor)

    assert options(response, "team") == {str(family_team.pk), str(school_team.pk)}
    assert options(response, "organisation") == {
        str(family_team.organisation_id),
        str(school_team.organisation_id),
    }
    people = options(response, "practitioner")
    assert {str(practitioner.pk), str(manager2.pk)} <= people
    assert str(auditor.pk) not in people


def test_a_manager_chooses_only_among_what_they_may_see(
    client, manager, variety, practitioner, manager2, family_team, school_team
):
    response = search(client, manager)

    assert options(response, "team") == {str(family_team.pk)}
    assert options(response, "organisation") == {str(family_team.organisation_id)}
    assert str(practitioner.pk) in options(response, "practitioner")
    assert str(manager2.pk) not in options(response, "practitioner")

    refused = search(client, manager, team=school_team.pk)
    assert "Select a team from the list" in refused.content.decode()
    assert not listed(refused)
    assert variety["school"].reference not in refused.content.decode()


def test_a_practitioner_filters_only_their_own(client, practitioner, variety):
    response = search(client, practitioner)

    html = response.content.decode()
    assert 'name="team"' not in html and 'name="practitioner"' not in html
    assert listed(response) == refs(variety["consent"])
    assert listed(search(client, practitioner, outcome="share_with_consent")) == refs(
        variety["consent"]
    )
    # Someone else's record is no more found by its case reference than by the list.
    assert not listed(search(client, practitioner, case="CASE-C-400"))
    # The scope filters are not theirs: given, they change nothing.
    assert listed(search(client, practitioner, team=999)) == refs(variety["consent"])


# --- Bad input: a message on the form, never an error page -------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-02-31"}, "Enter a real date, for example 2026-03-27"),
        ({"date_to": "yesterday"}, "Enter a real date, for example 2026-03-27"),
        ({"date_from": "0001-01-01"}, "Enter a date between 2000 and 2999"),
        ({"date_from": "9999-12-31"}, "Enter a date between 2000 and 2999"),
        (
            {"date_from": "2026-03-02", "date_to": "2026-03-01"},
            "The ‘to’ date must be the same as or after the ‘from’ date",
        ),
        ({"outcome": "no_such_outcome"}, "Select an outcome from the list"),
        ({"state": "draft"}, "Select a status from the list"),
        ({"lawful_basis": "contract"}, "Select a lawful basis from the list"),
        ({"urgent": "maybe"}, "Select yes or no for urgent from the list"),
        ({"team": "not-a-number"}, "Select a team from the list"),
        ({"organisation": "-1"}, "Select an organisation from the list"),
        ({"practitioner": "0"}, "Select a practitioner from the list"),
        ({"sort": "random"}, "Select an order from the list"),
        ({"text": "x" * 10_000}, "The words must be 200 characters or fewer"),
        ({"q": "x" * 10_000}, "The search must be 100 characters or fewer"),
        ({"case": "x" * 10_000}, "The case reference must be 100 characters or fewer"),
    ],
)
def test_bad_input_is_a_clear_message_never_a_500(client, auditor, variety, params, message):
    response = search(client, auditor, **params)

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert html.count(message) == 2  # in the summary and by its field
    assert not listed(response)
    assert "<title>Error: Records" in html


def test_a_very_long_value_is_not_written_back_whole(client, auditor, db):
    html = search(client, auditor, text="y" * 10_000).content.decode()
    assert "y" * 201 not in html


def test_hostile_text_is_shown_as_text(client, auditor, variety):
    hostile = '"><script>alert(1)</script>'
    html = search(client, auditor, q=hostile, text=hostile).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html


def test_an_unknown_cursor_shows_the_first_page(client, auditor, variety):
    response = search(client, auditor, cursor="n99999999999999999999.1")

    assert response.status_code == 200
    assert "That page link was not recognised" in response.content.decode()
    assert len(listed(response)) == 4


# --- PostgreSQL: the full text index -------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Full text is PostgreSQL's")
def test_words_are_matched_as_words_on_postgresql(client, auditor, variety):
    # English stemming: "bruised" finds "bruising"; every word must appear.
    assert listed(search(client, auditor, text="bruised")) == refs(variety["consent"])
    assert listed(search(client, auditor, text="trafficking police")) == refs(variety["urgent"])
    assert not listed(search(client, auditor, text="trafficking school"))
