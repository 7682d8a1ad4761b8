"""/audit/: the auditors' event log, newest first, filtered by user, record, event and dates,
in keyset pages on (at, id): a deep page costs what the first does, and nothing counts the
table."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from decisions import demo
from records.models import AuditEvent
from records.selectors import AUDIT_PAGE_SIZE, LEGAL_HOLD_SET, audit_cursor
from records.services import audit_log, legal_hold_set, record_delete_for_retention

URL = "/audit/"
NOON = timezone.make_aware(datetime.datetime(2026, 3, 10, 12, 0))


def event(at, *, event="login", username="someone", reference="", record_id=None, **details):
    """An event at a chosen time (audit_log stamps 'now'). Inserted, never updated."""
    row = AuditEvent(
        at=at,
        event=event,
        actor_username=username,
        actor_role="practitioner",
        record_id=record_id,
        record_reference=reference,
        details=details,
    )
    row.save_base(raw=True, force_insert=True)
    return row


def ids(html):
    return [int(pk) for pk in re.findall(r'data-event="(\d+)"', html)]


@pytest.fixture
def signed_in(client, auditor):
    client.force_login(auditor)
    return client


# --- who may read it ----------------------------------------------------------------------------


def test_signing_in_is_required(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={URL}"


@pytest.mark.parametrize("who", ["practitioner", "manager"])
def test_only_auditors_read_it(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403


def test_the_header_links_to_it_for_auditors_only(client, auditor, manager):
    client.force_login(auditor)
    assert f'href="{URL}">Audit</a>' in client.get("/").content.decode()
    client.force_login(manager)
    assert f'href="{URL}">Audit</a>' not in client.get("/").content.decode()


# --- what it shows ----------------------------------------------------------------------------


def test_it_lists_events_newest_first_with_who_what_which_and_where(signed_in, practitioner):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    response = signed_in.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    shown = ids(html)
    assert shown == sorted(shown, reverse=True)
    newest = AuditEvent.objects.order_by("-at", "-id").first()
    assert shown[0] == newest.pk
    assert "Submitted" in html
    assert "Step answered" in html
    assert f'href="/records/{record.reference}/">{record.reference}</a>' in html
    assert f'href="?user={practitioner.username}"' in html


def test_legal_hold_events_have_their_own_label(signed_in, practitioner, auditor):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    legal_hold_set(record=record, auditor=auditor, reason="Inquiry (fictional).")
    html = signed_in.get(URL).content.decode()
    assert "Legal hold set" in html
    assert "reason: Inquiry (fictional)." in html


def test_a_deleted_records_events_keep_its_reference_without_a_link(signed_in, practitioner):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    record.__class__.objects.filter(pk=record.pk).update(retain_until=datetime.date(2020, 1, 1))
    record_delete_for_retention(record=record)

    html = signed_in.get(URL, {"record": record.reference}).content.decode()

    assert "Deleted under retention" in html
    assert record.reference in html
    assert f'href="/records/{record.reference}/"' not in html


def test_details_are_shown_as_text(signed_in):
    event(NOON, event="access_denied", path='<script>alert("x")</script>')
    html = signed_in.get(URL).content.decode()
    assert escape('<script>alert("x")</script>') in html
    assert '<script>alert("x")' not in html


# --- filters -------------------------------------------------------------------------------------


@pytest.fixture
def spread():
    """Events by two users, on two records, of three kinds, over three days."""
    day = datetime.timedelta(days=1)
    return {
        "a1": event(NOON - day, username="alice", event="viewed", reference="ISD-2026-00001"),
        "a2": event(NOON, username="alice", event="submitted", reference="ISD-2026-00002"),
        "b1": event(NOON, username="bob", event="viewed", reference="ISD-2026-00001"),
        "b2": event(NOON + day, username="bob", event="login"),
        "late": event(timezone.make_aware(datetime.datetime(2026, 3, 11, 23, 59)), username="bob"),
    }


def shown(client, **params):
    return set(ids(client.get(URL, params).content.decode()))


def test_it_filters_by_username(signed_in, spread):
    assert shown(signed_in, user="alice") == {spread["a1"].pk, spread["a2"].pk}
    assert shown(signed_in, user="nobody") == set()


def test_it_filters_by_record_reference_as_typed_in_any_case(signed_in, spread):
    want = {spread["a1"].pk, spread["b1"].pk}
    assert shown(signed_in, record="ISD-2026-00001") == want
    assert shown(signed_in, record=" isd-2026-00001 ") == want


def test_it_filters_by_event_type(signed_in, spread):
    assert shown(signed_in, event="viewed") == {spread["a1"].pk, spread["b1"].pk}


def test_it_filters_by_dates_local_and_inclusive(signed_in, spread):
    assert shown(signed_in, date_from="2026-03-10", date_to="2026-03-10") == {
        spread["a2"].pk,
        spread["b1"].pk,
    }
    # 23:59 local time on the 11th is on the 11th (22:59 or 23:59 UTC).
    assert shown(signed_in, date_from="2026-03-11", date_to="2026-03-11") == {
        spread["b2"].pk,
        spread["late"].pk,
    }
    assert shown(signed_in, date_to="2026-03-09") == {spread["a1"].pk}


def test_filters_combine(signed_in, spread):
    assert shown(signed_in, user="bob", event="viewed", record="ISD-2026-00001") == {
        spread["b1"].pk
    }
    assert shown(signed_in, user="alice", date_from="2026-03-10") == {spread["a2"].pk}


def test_the_filters_are_kept_in_the_form(signed_in, spread):
    html = signed_in.get(
        URL,
        {"user": "bob", "record": "ISD-2026-00001", "event": "viewed", "date_from": "2026-03-10"},
    ).content.decode()
    assert 'name="user" value="bob"' in html
    assert 'name="record" value="ISD-2026-00001"' in html
    assert '<option value="viewed" selected>' in html
    assert 'name="date_from" value="2026-03-10"' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-02-31"}, "Enter a real date"),
        ({"date_from": "2026-03-11", "date_to": "2026-03-10"}, "The end date must be the same"),
        ({"event": "made_up"}, "Select an event from the list"),
    ],
)
def test_a_wrong_filter_is_explained_not_an_error(signed_in, spread, params, message):
    response = signed_in.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert html.count("<title>Error: ") == 1


# --- keyset pages ---------------------------------------------------------------------------


def many(count, *, same_moment=False):
    start = NOON
    return [
        event(start if same_moment else start + datetime.timedelta(seconds=n), username=f"u{n}")
        for n in range(count)
    ]


def walk(client, params=None):
    """Follow 'Older' links from the newest page to the end: every page's event ids."""
    pages = []
    query = dict(params or {})
    while True:
        html = client.get(URL, query).content.decode()
        pages.append(ids(html))
        older = re.search(r'href="\?([^"]*)before=([0-9-]+)" rel="next"', html)
        if not older:
            return pages, html
        query = {**(params or {}), "before": older.group(2)}


def test_pages_walk_every_event_once_newest_first(signed_in):
    many(AUDIT_PAGE_SIZE * 2 + 7)
    everything = list(AuditEvent.objects.order_by("-at", "-id").values_list("pk", flat=True))
    pages, _ = walk(signed_in)
    assert [len(page) for page in pages[:-1]] == [AUDIT_PAGE_SIZE, AUDIT_PAGE_SIZE]
    assert [pk for page in pages for pk in page] == everything


def test_events_at_the_same_moment_are_paged_by_id_without_loss(signed_in):
    made = many(AUDIT_PAGE_SIZE + 5, same_moment=True)
    pages, _ = walk(signed_in, {"date_to": "2026-03-10"})
    assert [pk for page in pages for pk in page] == sorted((e.pk for e in made), reverse=True)


def test_newer_goes_back_a_page(signed_in):
    many(AUDIT_PAGE_SIZE * 2 + 3)
    first = ids(signed_in.get(URL).content.decode())
    second_html = signed_in.get(
        URL, {"before": audit_cursor(AuditEvent.objects.get(pk=first[-1]))}
    ).content.decode()
    newer = re.search(r'href="\?([^"]*)after=([0-9-]+)" rel="prev"', second_html)
    assert newer
    back = ids(signed_in.get(URL, {"after": newer.group(2)}).content.decode())
    assert back == first


def test_pages_keep_the_filters(signed_in):
    for n in range(AUDIT_PAGE_SIZE + 3):
        event(NOON + datetime.timedelta(seconds=n), username="alice" if n % 2 else "bob")
    pages, _ = walk(signed_in, {"user": "alice"})
    seen = [pk for page in pages for pk in page]
    assert len(seen) == len(set(seen)) == AuditEvent.objects.filter(actor_username="alice").count()
    assert AuditEvent.objects.filter(pk__in=seen).exclude(actor_username="alice").count() == 0


def test_a_bad_cursor_shows_the_newest_page(signed_in):
    many(3)
    newest = ids(signed_in.get(URL).content.decode())
    for cursor in ("x", "12-", "-3", "9" * 40 + "-1", "1.5-2"):
        assert ids(signed_in.get(URL, {"before": cursor}).content.decode()) == newest
        assert ids(signed_in.get(URL, {"after": cursor}).content.decode()) == newest


def test_a_deep_page_costs_what_the_first_does_and_nothing_is_counted(signed_in, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False  # the SQL as written, not its name
    made = many(AUDIT_PAGE_SIZE * 4)
    signed_in.get(URL)  # the session and user, loaded once
    deep = {"before": audit_cursor(sorted(made, key=lambda e: (e.at, e.pk))[AUDIT_PAGE_SIZE])}
    with CaptureQueriesContext(connection) as first:
        signed_in.get(URL)
    with CaptureQueriesContext(connection) as later:
        html = signed_in.get(URL, deep).content.decode()
    assert len(ids(html)) == AUDIT_PAGE_SIZE
    assert len(first) == len(later)
    for query in [*first.captured_queries, *later.captured_queries]:
        assert "COUNT(" not in query["sql"].upper()
    # One query reads the page's events (page size + 1: is there another page?).
    reads = [q["sql"] for q in later.captured_queries if "records_auditevent" in q["sql"]]
    assert len(reads) == 1
    assert f"LIMIT {AUDIT_PAGE_SIZE + 1}" in reads[0]


def test_the_query_count_does_not_grow_with_the_table(signed_in):
    many(5)
    signed_in.get(URL)
    with CaptureQueriesContext(connection) as small:
        signed_in.get(URL, {"event": "login"})
    many(AUDIT_PAGE_SIZE * 3)
    with CaptureQueriesContext(connection) as large:
        signed_in.get(URL, {"event": "login"})
    assert len(small) == len(large)


def test_reading_the_log_writes_nothing(signed_in, auditor):
    audit_log(event="login", actor=auditor)
    before = AuditEvent.objects.count()
    signed_in.get(URL)
    assert AuditEvent.objects.count() == before


def test_legal_hold_set_is_a_filter_choice(signed_in):
    html = signed_in.get(URL).content.decode()
    assert f'<option value="{LEGAL_HOLD_SET}">Legal hold set</option>' in html


def test_it_links_subject_access_for_auditors_only(client, auditor, practitioner):
    client.force_login(auditor)
    assert 'href="/records/subject-access/"' in client.get("/").content.decode()
    client.force_login(practitioner)
    assert 'href="/records/subject-access/"' not in client.get("/").content.decode()


# --- markup written in Python (records/audit_table.py, AuditEventFilter.fields_html) -------


def test_it_shows_every_value_of_a_row_as_text_with_its_links(signed_in):
    hostile = "<b>\"x&y'</b>"
    row = AuditEvent(  # append-only: written whole, with its address
        at=NOON,
        event="login",
        actor_username=hostile,
        actor_role="practitioner",
        record_reference=hostile,
        ip="10.0.0.1",
        details={"note": "<i>fictional</i>"},
    )
    row.save_base(raw=True, force_insert=True)

    html = signed_in.get(URL).content.decode()

    assert "<b>" not in html and "<i>" not in html
    assert (
        f'<tr class="govuk-table__row" data-event="{row.pk}">\n'
        '      <td class="govuk-table__cell"><time datetime="2026-03-10T12:00:00+00:00">'
        "10 Mar 2026 12:00:00</time></td>\n"
        '      <td class="govuk-table__cell"><a class="govuk-link" '
        'href="?user=%3Cb%3E%22x%26y%27%3C/b%3E">&lt;b&gt;&quot;x&amp;y&#x27;&lt;/b&gt;</a> '
        '<span class="govuk-body-s">(practitioner)</span></td>\n'
        '      <td class="govuk-table__cell">Logged in</td>\n'
        '      <td class="govuk-table__cell">&lt;b&gt;&quot;x&amp;y&#x27;&lt;/b&gt; '
        '<a class="govuk-link govuk-body-s" href="?record=%3Cb%3E%22x%26y%27%3C/b%3E">trail'
        '<span class="govuk-visually-hidden"> of &lt;b&gt;&quot;x&amp;y&#x27;&lt;/b&gt;</span>'
        "</a></td>\n"
        '      <td class="govuk-table__cell govuk-body-s">10.0.0.1</td>\n'
        '      <td class="govuk-table__cell govuk-body-s">note: &lt;i&gt;fictional&lt;/i&gt;</td>'
    ) in html


def test_a_system_event_without_a_record_shows_dashes(signed_in):
    row = event(NOON, username="")
    html = signed_in.get(URL).content.decode()
    cells = html.split(f'data-event="{row.pk}">')[1].split("</tr>")[0]
    assert '<td class="govuk-table__cell">The system</td>' in cells
    assert cells.count('<td class="govuk-table__cell govuk-body-s">–</td>') == 1


def test_the_form_shows_typed_values_as_text_and_marks_the_chosen_event(signed_in):
    html = signed_in.get(URL, {"user": '"><script>x', "event": "viewed"}).content.decode()
    assert 'id="id_user" name="user" value="&quot;&gt;&lt;script&gt;x"' in html
    assert "<script>x" not in html
    assert '<option value="viewed" selected>' in html
    assert html.count(" selected>") == 1


def test_each_error_is_summarised_linked_to_its_field_and_described(signed_in):
    html = signed_in.get(URL, {"date_from": "2026-03-11", "date_to": "2026-03-10"}).content.decode()
    message = "The end date must be the same as or after the start date"
    assert f'<li><a href="#id_date_to">{message}</a></li>' in html
    assert (
        '<p id="id_date_to-error" class="govuk-error-message">'
        f'<span class="govuk-visually-hidden">Error:</span> {message}</p>'
    ) in html
    assert (
        'id="id_date_to" name="date_to" value="2026-03-10" aria-describedby="id_date_to-error"'
        in html
    )
    assert "govuk-form-group--error" in html and html.count("govuk-input--error") == 1


# --- the page read with its SQL written once (selectors.audit_page) --------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"user": "ana"},
        {"record": "isd-2026-00007"},
        {"event": "viewed"},
        {"date_from": "2026-03-09", "date_to": "2026-03-10"},
        {"user": "ana", "event": "viewed", "date_from": "2026-03-08"},
        {"user": "ana", "date_to": "not a date"},  # the refused filter is left out, as qs does
    ],
)
def test_each_page_both_ways_is_what_the_filters_queryset_gives(db, params):
    from django.http import QueryDict

    from records.audit_filters import AuditEventFilter
    from records.selectors import audit_page

    for n in range(23):
        event(
            NOON - datetime.timedelta(hours=7 * n),
            event=["viewed", "login", "submitted"][n % 3],
            username=["ana", "bo"][n % 2],
            reference=f"ISD-2026-0000{n % 9}",
        )
    data = QueryDict(mutable=True)
    data.update(params)
    filters = AuditEventFilter(data, queryset=AuditEvent.objects.all())
    expected = list(filters.qs.order_by("-at", "-id").values_list("pk", flat=True))
    assert expected  # every case matches something

    conditions, seen, before = filters.conditions(), [], ""
    while True:  # older, a page of 4 at a time
        page = audit_page(conditions, before=before, size=4)
        seen += [row.pk for row in page.events]
        if page.older is None:
            break
        before = page.older
    assert seen == expected
    # And back up from the last page, newer and newer.
    back, after = [], audit_cursor(AuditEvent.objects.get(pk=expected[-1]))
    while True:
        page = audit_page(conditions, after=after, size=4)
        if page.first and not page.events:
            break
        back = [row.pk for row in page.events] + back
        if page.newer is None:
            break
        after = page.newer
    assert back == expected[:-1]
