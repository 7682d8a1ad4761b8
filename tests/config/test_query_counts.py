"""Every page `make bench` measures issues the same queries with 3 records as with 40.

The lists, the searches and each role's home are held to this in
tests/records/test_list_queries.py; this covers the rest: the wizard's page (shown and
answered), the record page, the approvals queue and an approval, the audit trail, the
management information and the guidance."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from decisions import demo
from tests.decisions.walk import post_data_for

EVERY_PAGE = demo.finished_answers("share_without_consent", urgent="yes")
KINDS = [
    demo.finished_answers("share_without_consent"),  # awaits the manager's approval
    demo.finished_answers("share_without_consent", urgent="yes"),  # awaits a review
    demo.finished_answers("share_with_consent"),  # recorded
    demo.finished_answers("not_share_no_basis"),  # a refusal awaiting approval
]
FEW, MANY = 3, 40


def seed(start, stop, authors):
    for n in range(start, stop):
        answers = {**KINDS[n % len(KINDS)], "subject_reference": f"DEMO-QC-{n:04d}"}
        demo.create_submitted(author=authors[n % len(authors)], answers=answers)


@pytest.fixture
def measured(practitioner, manager):
    """What the pages show: a draft half way through, a record, and one awaiting approval."""
    return {
        "draft": demo.create_draft(author=practitioner, answers=EVERY_PAGE, complete=True),
        "record": demo.create_submitted(author=practitioner, answers=EVERY_PAGE),
        "awaiting": demo.create_submitted(
            author=practitioner, answers=demo.finished_answers("share_without_consent")
        ),
    }


def pages(measured):
    draft, record, awaiting = measured["draft"], measured["record"], measured["awaiting"]
    step = f"/decisions/{draft.reference}/consent/"
    return {
        "wizard page": ("practitioner", "get", step),
        "wizard page answered": ("practitioner", "post", step),
        "wizard page with free text": ("practitioner", "get", f"/decisions/{draft.reference}/how/"),
        "record page, author": ("practitioner", "get", f"/records/{record.reference}/"),
        "record page, manager": ("manager", "get", f"/records/{record.reference}/"),
        "record page, auditor": ("auditor", "get", f"/records/{record.reference}/"),
        "approvals queue": ("manager", "get", "/approvals/"),
        "an approval": ("manager", "get", f"/approvals/{awaiting.reference}/"),
        "audit trail": ("auditor", "get", "/audit/"),
        "insight, auditor": ("auditor", "get", "/insight/"),
        "insight, manager": ("manager", "get", "/insight/"),
        "guidance": (None, "get", "/guidance/"),
        "a guidance page": (None, "get", "/guidance/consent-and-confidentiality/"),
        "guidance, signed in": ("practitioner", "get", "/guidance/flowchart/"),
    }


def count_queries(clients, pages) -> dict[str, int]:
    counts = {}
    answer = post_data_for("consent", EVERY_PAGE)
    for label, (who, method, url) in pages.items():
        client = clients[who]

        def request(client=client, method=method, url=url, label=label):
            response = client.post(url, answer) if method == "post" else client.get(url)
            assert response.status_code == (302 if method == "post" else 200), (label, url)

        request()  # the session's stamps and the caches settled
        with CaptureQueriesContext(connection) as queries:
            request()
        counts[label] = len(queries)
    return counts


@pytest.mark.django_db
def test_each_page_issues_the_same_queries_for_3_records_as_for_40(
    practitioner, practitioner2, manager, auditor, measured
):
    clients = {None: Client()}
    for who, user in (("practitioner", practitioner), ("manager", manager), ("auditor", auditor)):
        clients[who] = Client()
        clients[who].force_login(user)
    authors = [practitioner, practitioner2]

    seed(0, FEW, authors)
    few = count_queries(clients, pages(measured))
    seed(FEW, MANY, authors)
    many = count_queries(clients, pages(measured))

    assert many == few
    # A page that read a row per record would have grown by 37: these grew by none, and
    # each stays within a few queries (session, user, the page's own reads).
    assert max(few.values()) <= 25, few
