"""Hostile query strings on every GET filter and search, hostile record references in URLs,
and form bodies that are not UTF-8 (property-based, hypothesis).

Query strings carry invalid UTF-8 (``%ff%fe``, the overlong ``%c0%af``, a lone surrogate's
``%ED%A0%80``), NUL, markup, SQL-like text and 100,000 characters. Every page answers without
a server error, shows none of it as markup, and says so in words where a limit is passed.
"""

from urllib.parse import quote

import pytest
from django.test import Client
from django.utils.html import escape
from hypothesis import example, given
from hypothesis import strategies as st

from decisions import demo
from records.models import AuditEvent
from tests.hostile import assert_no_markup, fast, hostile, raw_value

pytestmark = pytest.mark.django_db

RECORD_FILTERS = [
    *("q", "text", "case", "date_from", "date_to", "outcome", "state", "organisation"),
    *("team", "practitioner", "lawful_basis", "urgent", "overdue", "sort", "cursor"),
]
# (who, page, the parameters it reads).
PAGES = [
    ("practitioner", "/records/", RECORD_FILTERS),
    ("manager", "/records/", RECORD_FILTERS),
    ("auditor", "/records/", RECORD_FILTERS),
    ("auditor", "/records/export.csv", [*RECORD_FILTERS, "page"]),
    ("auditor", "/audit/", ["user", "record", "event", "date_from", "date_to", "before", "after"]),
    ("auditor", "/insight/", ["date_from", "date_to", "organisation", "team"]),
    ("manager", "/insight/", ["date_from", "date_to", "organisation", "team"]),
    ("manager", "/insight/outcomes.csv", ["date_from", "date_to", "organisation", "team"]),
    ("auditor", "/insight/consent_reasons.svg", ["date_from", "team"]),
    ("auditor", "/records/subject-access/", ["subject"]),
    ("anonymous", "/guidance/search/", ["q"]),
    ("practitioner", "/guidance/search/", ["q"]),
    ("manager", "/approvals/", ["page"]),
    ("auditor", "/exports/", ["page"]),
    ("practitioner", "/", ["next"]),
    ("anonymous", "/accounts/login/", ["next"]),
]

# A parameter's value: percent-escapes as sent (invalid UTF-8 among them), or any text quoted.
value = st.one_of(raw_value, hostile.map(lambda text: quote(text, safe="")))


@pytest.fixture
def users(practitioner, manager, auditor):
    demo.create_submitted(
        author=practitioner,
        answers=demo.finished_answers(
            "share_without_consent", other_agency="<script>alert(1)</script>"
        ),
    )
    return {"practitioner": practitioner, "manager": manager, "auditor": auditor}


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@fast(max_examples=80)
@given(
    page=st.sampled_from(PAGES),
    picks=st.lists(st.tuples(st.integers(0, 30), value), min_size=1, max_size=4),
)
@example(page=PAGES[0], picks=[(0, "%ff%fe"), (1, "%c0%af"), (2, "%ED%A0%80")])
@example(page=PAGES[3], picks=[(0, "%00"), (100, "%00")])
@example(page=PAGES[4], picks=[(0, "x" * 100_000), (1, "%3Cscript%3E")])
@example(page=PAGES[2], picks=[(1, quote("&|!():*\\ <-> 'x' \"y\"", safe="")), (0, "%27")])
@example(page=PAGES[10], picks=[(0, quote('&|!():* <-> -or "" \' \\', safe=""))])
def test_every_filter_and_search_answers_hostile_query_strings(users, page, picks):
    who, path, names = page
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])
    query = "&".join(f"{names[index % len(names)]}={text}" for index, text in picks)

    response = client.get(f"{path}?{query}")

    assert response.status_code < 500
    assert response.status_code in (200, 302, 400, 404), response.status_code
    body = _body(response)
    if response.get("Content-Type", "").startswith("text/html"):
        assert_no_markup(body)


REFERENCE_URLS = [
    "/records/{}/",
    "/records/{}/pdf/",
    "/records/{}/confirm-sharing/",
    "/records/{}/addenda/new/",
    "/records/{}/legal-hold/",
    "/records/{}/disagreements/new/",
    "/approvals/{}/",
    "/decisions/{}/check/",
    "/decisions/{}/purpose/",
    "/decisions/{}/confirmation/",
]


@fast(max_examples=40)
@given(
    url=st.sampled_from(REFERENCE_URLS),
    who=st.sampled_from(["practitioner", "manager", "auditor"]),
    reference=st.one_of(raw_value, hostile.map(lambda text: quote(text[:300], safe=""))),
)
@example(url=REFERENCE_URLS[0], who="practitioner", reference="ISD%00")
@example(url=REFERENCE_URLS[6], who="practitioner", reference="%ff%fe")
def test_a_hostile_reference_in_a_url_is_a_404_and_audited(users, url, who, reference):
    if not reference.replace("%2F", "").strip("/"):
        reference = "x" + reference
    client = Client()
    client.force_login(users[who])
    before = AuditEvent.objects.filter(event=AuditEvent.Event.ACCESS_DENIED).count()

    response = client.get(url.format(reference.replace("%2F", "-").replace("/", "-")))

    assert response.status_code in (403, 404)
    assert AuditEvent.objects.filter(event=AuditEvent.Event.ACCESS_DENIED).count() == before + 1
    assert_no_markup(response.content.decode())


# --- Limits passed, said in words -----------------------------------------------------------

LIMITS = [
    ("auditor", "/records/", "q", 101, "The search must be 100 characters or fewer"),
    ("auditor", "/records/", "text", 201, "The words must be 200 characters or fewer"),
    ("auditor", "/records/", "case", 101, "The case reference must be 100 characters or fewer"),
    ("auditor", "/audit/", "user", 151, "A username is at most 150 characters"),
    ("auditor", "/audit/", "record", 21, "A record reference is at most 20 characters"),
    ("auditor", "/records/subject-access/", "subject", 101, "at most 100 characters"),
    (
        "anonymous",
        "/guidance/search/",
        "q",
        100_000,
        "only the first 100 characters were used",
    ),
]


@pytest.mark.parametrize(("who", "path", "name", "length", "message"), LIMITS)
def test_it_says_in_words_when_a_search_is_too_long(users, who, path, name, length, message):
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])

    response = client.get(path, {name: "<b>" * (length // 3 + 1)})

    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page
    assert_no_markup(page)


# --- Form bodies that are not UTF-8 ---------------------------------------------------------


@fast(max_examples=20)
@given(body=raw_value)
@example(body="%ff%fe%c0%af%ED%A0%80")
def test_a_form_body_that_is_not_utf8_is_a_form_error_or_kept_as_replacement_characters(
    users, body
):
    practitioner = users["practitioner"]
    record = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    client = Client()
    client.force_login(practitioner)

    response = client.post(
        f"/decisions/{record.reference}/purpose/",
        data=f"purpose=yes&purpose_grounds=protect_from_harm&purpose_text=Fictional+{body}",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code in (200, 302)
    record.refresh_from_db()
    if response.status_code == 302:
        saved = record.answers["purpose_text"]
        assert saved.startswith("Fictional")
        assert "\x00" not in saved
        saved.encode("utf-8")  # a real string: no lone surrogate was kept
    else:
        assert "There is a problem" in response.content.decode()


# --- What the audit trail keeps of it, shown back ---------------------------------------------


def test_the_audit_log_shows_hostile_queries_and_paths_as_text(users):
    """The CSV download keeps its query string, a refused URL its path: both as text."""
    markup = quote('"><img src=x onerror=alert(1)>', safe="")
    client = Client()
    client.force_login(users["auditor"])
    b"".join(client.get(f"/records/export.csv?q={markup}&{markup}=%00%ff").streaming_content)
    assert client.get(f"/records/{markup}%00/").status_code == 404

    page = client.get("/audit/").content.decode()

    assert escape('"><img src=x onerror=alert(1)>') in page
    assert_no_markup(page)


def test_the_board_report_answers_a_hostile_query_string(users):
    client = Client()
    client.force_login(users["auditor"])

    response = client.get("/insight/report.pdf?date_from=%ff%fe&team=%3Cscript%3E&organisation=%00")

    assert response.status_code in (200, 400, 404)  # invalid filters: no report
    if response["Content-Type"].startswith("text/html"):
        assert_no_markup(response.content.decode())
