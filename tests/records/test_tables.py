"""The record tables' rows (records/tables.py): the queue's ages in working days, which are
walked once a day and kept."""

import datetime

from records import tables, workdays

TODAY = datetime.date(2026, 1, 6)  # a Tuesday, after Christmas and New Year bank holidays


def test_it_ages_every_day_in_working_days_up_to_today():
    recent = tables._ages(TODAY, TODAY - datetime.timedelta(days=10))
    years = tables._ages(TODAY, TODAY - datetime.timedelta(days=800))  # the walk extended
    again = tables._ages(TODAY, TODAY - datetime.timedelta(days=3))  # kept, not walked again

    assert again is years
    for ages, days in ((recent, 10), (years, 800)):
        for back in range(days + 1):
            day = TODAY - datetime.timedelta(days=back)
            assert ages[day] == workdays.working_days_between(day, TODAY), day
    # Friday 2 January -> Tuesday 6 January: Monday and Tuesday.
    assert years[datetime.date(2026, 1, 2)] == 2
    # Christmas Eve -> 6 January: 29, 30, 31 December, 2, 5 and 6 January.
    assert years[datetime.date(2025, 12, 24)] == 6


def test_a_new_day_is_walked_afresh():
    tables._ages(TODAY, TODAY - datetime.timedelta(days=5))
    tomorrow = TODAY + datetime.timedelta(days=1)

    ages = tables._ages(tomorrow, TODAY - datetime.timedelta(days=5))

    assert ages[TODAY] == 1
    assert ages[tomorrow] == 0


def test_a_tables_links_follow_the_script_prefix_they_are_served_under():
    from django.urls import get_script_prefix, set_script_prefix

    before = get_script_prefix()
    try:
        at_root = tables._links("records:detail")("ISD-2026-000001")
        set_script_prefix("/safeguarding/")
        under_prefix = tables._links("records:detail")("ISD-2026-000001")
    finally:
        set_script_prefix(before)

    assert at_root == "/records/ISD-2026-000001/"
    assert under_prefix == "/safeguarding/records/ISD-2026-000001/"
    assert tables._links("records:detail")("ISD 1/2") == "/records/ISD%201/2/"  # quoted
