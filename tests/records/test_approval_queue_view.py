import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from decisions import demo
from records import workdays
from records.models import DecisionRecord, User

QUEUE_URL = "/approvals/"
CAPTION = "Waiting for your approval or review"


def submitted(author, outcome="share_without_consent", **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


def submitted_ago(record, **delta):
    """Make a record look as if it was submitted that long ago."""
    moment = timezone.now() - datetime.timedelta(**delta)
    DecisionRecord.objects.filter(pk=record.pk).update(submitted_at=moment)
    record.submitted_at = moment
    return record


def rows(html):
    """Each body row of the queue table, in order, as HTML."""
    assert CAPTION in html
    body = html.split(CAPTION, 1)[1].split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return [row for row in body.split('<tr class="govuk-table__row">')[1:]]


def references(html):
    return [re.search(r"ISD-\d{4}-\d{5}", row).group(0) for row in rows(html)]


def cells(row):
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


@pytest.fixture
def school_practitioner(school_team):
    return User.objects.create_user(
        username="school-practitioner",
        role="practitioner",
        team=school_team,
        organisation=school_team.organisation,
    )


def test_it_sends_an_anonymous_visitor_to_log_in(client, db):
    response = client.get(QUEUE_URL)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={QUEUE_URL}"


@pytest.mark.parametrize("role", ["practitioner", "auditor"])
def test_it_refuses_anyone_but_a_manager(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(QUEUE_URL)
    assert response.status_code == 403
    assert "Only managers approve and review decisions." in response.content.decode()


def test_it_shows_the_manager_what_awaits_them_from_their_teams(
    client, practitioner, practitioner2, manager, manager2, school_practitioner
):
    awaiting_approval = submitted(practitioner)
    awaiting_review = submitted(practitioner2, urgent="yes")
    refused_request = submitted(practitioner, "not_share_no_purpose", direction="request")
    recorded = submitted(practitioner, "share_with_consent")
    own = submitted(manager)
    other_team = submitted(school_practitioner)
    draft = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    client.force_login(manager)

    response = client.get(QUEUE_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert sorted(references(html)) == sorted(
        r.reference for r in (awaiting_approval, awaiting_review, refused_request)
    )
    for record in (recorded, own, other_team, draft):
        assert record.reference not in html
    assert f'href="/approvals/{awaiting_approval.reference}/"' in html
    assert "3 waiting for you" in html


def test_it_shows_another_teams_manager_none_of_them(client, practitioner, manager2):
    record = submitted(practitioner)
    client.force_login(manager2)

    html = client.get(QUEUE_URL).content.decode()

    assert record.reference not in html
    assert "Nothing is waiting for you." in html
    assert "0 waiting for you" in html


def test_it_puts_overdue_items_first_then_the_oldest(client, practitioner, practitioner2, manager):
    fresh_newer = submitted_ago(submitted(practitioner), minutes=5)
    overdue_newer = submitted_ago(submitted(practitioner2), days=10)
    fresh_older = submitted_ago(submitted(practitioner2, urgent="yes"), minutes=30)
    overdue_older = submitted_ago(submitted(practitioner), days=20)
    client.force_login(manager)

    response = client.get(QUEUE_URL)

    html = response.content.decode()
    assert references(html) == [
        overdue_older.reference,
        overdue_newer.reference,
        fresh_older.reference,
        fresh_newer.reference,
    ]
    ordered = rows(html)
    assert "Overdue" in ordered[0] and "Overdue" in ordered[1]
    assert "Overdue" not in ordered[2] and "Overdue" not in ordered[3]
    assert "2 overdue" in html
    assert response.context["overdue_count"] == 2


def test_it_shows_each_rows_reference_practitioner_outcome_grounds_urgency_and_age(
    client, practitioner, practitioner2, manager
):
    prior = submitted_ago(submitted(practitioner), days=9)
    urgent = submitted(practitioner2, urgent="yes")
    client.force_login(manager)

    html = client.get(QUEUE_URL).content.decode()

    by_reference = {re.search(r"ISD-\d{4}-\d{5}", row).group(0): cells(row) for row in rows(html)}
    age = workdays.working_days_between(workdays.local_date(prior.submitted_at), workdays.today())
    assert age > 0
    reference, author, outcome, grounds, is_urgent, days = by_reference[prior.reference]
    assert reference.startswith(f"{prior.reference} Overdue")
    assert "Approve" in reference
    assert author == "Practitioner Testuser"
    assert outcome == escape(prior.snapshot["outcome"]["title"])
    assert grounds == (
        "To protect a child or adult from harm; There is reasonable cause to believe that is so"
    )
    assert is_urgent == "No"
    assert days == str(age)

    reference, author, _, _, is_urgent, days = by_reference[urgent.reference]
    assert "Review an urgent share" in reference
    assert "Overdue" not in reference
    assert author == "Practitioner2 Testuser"
    assert is_urgent == "Yes"
    assert days == "0"


def test_it_shows_the_counts_on_the_managers_home_page(client, practitioner, manager):
    submitted_ago(submitted(practitioner), days=10)
    submitted_ago(submitted(practitioner), days=12)
    submitted(practitioner)
    client.force_login(manager)

    html = client.get("/").content.decode()

    assert "3 waiting" in html
    assert "2 overdue" in html
    assert f'<a class="govuk-link" href="{QUEUE_URL}">Go to your approvals</a>' in html


def test_it_shows_no_overdue_count_when_nothing_is_overdue(client, practitioner, manager):
    submitted(practitioner)
    client.force_login(manager)

    html = client.get("/").content.decode()

    assert "1 waiting" in html
    assert "overdue" not in html.lower()


def test_it_pages_the_queue(client, monkeypatch, practitioner, manager):
    monkeypatch.setattr("records.views.QUEUE_PAGE_SIZE", 2)
    oldest, middle, newest = (
        submitted_ago(submitted(practitioner), minutes=minutes) for minutes in (30, 20, 10)
    )
    client.force_login(manager)

    first = client.get(QUEUE_URL).content.decode()
    second = client.get(QUEUE_URL, {"page": 2}).content.decode()

    assert references(first) == [oldest.reference, middle.reference]
    assert 'href="?page=2"' in first
    assert references(second) == [newest.reference]
    assert 'href="?page=1"' in second
    assert "3 waiting for you" in second
    # A page number out of range shows the last page, not an error.
    assert references(client.get(QUEUE_URL, {"page": 99}).content.decode()) == [newest.reference]
    # As Django's Paginator.get_page: zero or less is the last page, anything else page 1.
    for asked, expected in [
        ("0", [newest.reference]),
        ("-3", [newest.reference]),
        ("two", [oldest.reference, middle.reference]),
        ("", [oldest.reference, middle.reference]),
    ]:
        page = client.get(QUEUE_URL, {"page": asked}).content.decode()
        assert references(page) == expected, asked
        assert "3 waiting for you" in page


def test_it_runs_as_many_queries_for_thirty_items_as_for_three(client, practitioner, manager):
    for _ in range(3):
        submitted(practitioner)
    client.force_login(manager)
    client.get(QUEUE_URL)  # Warm up (session, content type and permission caches).

    with CaptureQueriesContext(connection) as three:
        assert len(references(client.get(QUEUE_URL).content.decode())) == 3
    for _ in range(27):
        submitted(practitioner)
    with CaptureQueriesContext(connection) as thirty:
        assert len(references(client.get(QUEUE_URL).content.decode())) == 30

    assert len(thirty) == len(three)
