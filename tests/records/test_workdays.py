"""Working days in England and Wales, and the overdue rule built on them."""

import datetime
import zoneinfo

import pytest

from decisions import demo
from records import selectors, workdays
from records.models import DecisionRecord

LONDON = zoneinfo.ZoneInfo("Europe/London")
D = datetime.date
PRIOR, REVIEW = 1, 2  # the default thresholds, in working days


def _local(*args):
    return datetime.datetime(*args, tzinfo=LONDON)


def _days(start, end):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


# --- The calendar ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "holiday",
    [
        D(2026, 1, 1),  # New Year's Day
        D(2026, 4, 3),  # Good Friday
        D(2026, 4, 6),  # Easter Monday
        D(2026, 5, 4),  # Early May bank holiday
        D(2026, 5, 25),  # Spring bank holiday
        D(2026, 8, 31),  # Summer bank holiday
        D(2026, 12, 25),  # Christmas Day (a Friday)
        D(2026, 12, 28),  # Boxing Day (a Saturday) observed on the Monday
        D(2027, 1, 1),  # New Year's Day
    ],
)
def test_bank_holidays_are_not_working_days(holiday):
    assert not workdays.is_working_day(holiday)


@pytest.mark.parametrize(
    "day",
    [D(2026, 5, 22), D(2026, 5, 26), D(2026, 4, 2), D(2026, 4, 7), D(2026, 12, 29)],
)
def test_ordinary_weekdays_are_working_days(day):
    assert workdays.is_working_day(day)


def test_weekends_are_not_working_days():
    assert not workdays.is_working_day(D(2026, 5, 23))
    assert not workdays.is_working_day(D(2026, 5, 24))


def test_scottish_holidays_do_not_count_in_england_and_wales():
    assert workdays.is_working_day(D(2026, 1, 2))  # 2 January: a Scottish bank holiday
    assert workdays.is_working_day(D(2026, 8, 3))  # Scotland's summer bank holiday


def test_every_year_has_the_eight_bank_holidays_of_england_and_wales():
    for year in range(2024, 2031):
        weekday_holidays = [
            day
            for day in _days(D(year, 1, 1), D(year, 12, 31))
            if day.weekday() < 5 and not workdays.is_working_day(day)
        ]
        assert len(weekday_holidays) >= 8, year  # more in a year with a special holiday


# --- Arithmetic ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        # Spring bank holiday weekend: Friday 22 May -> Tuesday 26 May 2026.
        (D(2026, 5, 22), 1, D(2026, 5, 26)),
        (D(2026, 5, 22), 2, D(2026, 5, 27)),
        (D(2026, 5, 23), 1, D(2026, 5, 26)),  # a Saturday
        (D(2026, 5, 25), 1, D(2026, 5, 26)),  # the bank holiday itself
        # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
        (D(2026, 4, 2), 1, D(2026, 4, 7)),
        (D(2026, 4, 2), 2, D(2026, 4, 8)),
        (D(2026, 4, 3), 1, D(2026, 4, 7)),
        # Christmas 2026: Friday 25, Boxing Day Saturday 26 observed Monday 28 December.
        (D(2026, 12, 24), 1, D(2026, 12, 29)),
        (D(2026, 12, 24), 2, D(2026, 12, 30)),
        # Over the new year: Friday 1 January 2027 is a bank holiday.
        (D(2026, 12, 31), 1, D(2027, 1, 4)),
        # An ordinary week.
        (D(2026, 6, 10), 1, D(2026, 6, 11)),
        (D(2026, 6, 12), 1, D(2026, 6, 15)),
        (D(2026, 6, 10), 0, D(2026, 6, 10)),
    ],
)
def test_add_working_days(start, count, expected):
    assert workdays.add_working_days(start, count) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 5, 22), D(2026, 5, 26), 1),
        (D(2026, 5, 22), D(2026, 5, 25), 0),
        (D(2026, 4, 2), D(2026, 4, 7), 1),
        (D(2026, 12, 24), D(2027, 1, 4), 4),  # 29, 30, 31 December, 4 January
        (D(2026, 6, 10), D(2026, 6, 10), 0),
        (D(2026, 6, 10), D(2026, 6, 9), 0),
        (D(2026, 6, 8), D(2026, 6, 19), 9),
    ],
)
def test_working_days_between(start, end, expected):
    assert workdays.working_days_between(start, end) == expected


def test_working_days_between_undoes_add_working_days():
    for start in _days(D(2026, 1, 1), D(2026, 12, 31)):
        for count in (1, 2, 5):
            assert workdays.working_days_between(
                start, workdays.add_working_days(start, count)
            ) == (count)


# --- Overdue -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "overdue"),
    [
        (D(2026, 5, 22), False),
        (D(2026, 5, 25), False),  # bank holiday Monday
        (D(2026, 5, 26), False),  # the one working day
        (D(2026, 5, 27), True),
    ],
)
def test_a_prior_approval_is_overdue_after_one_working_day(on, overdue):
    assert workdays.is_overdue(D(2026, 5, 22), PRIOR, on) is overdue


@pytest.mark.parametrize(
    ("on", "overdue"),
    [
        (D(2026, 5, 26), False),
        (D(2026, 5, 27), False),  # the second working day
        (D(2026, 5, 28), True),
    ],
)
def test_a_retrospective_review_is_overdue_after_two_working_days(on, overdue):
    assert workdays.is_overdue(D(2026, 5, 22), REVIEW, on) is overdue


def test_overdue_over_easter_and_christmas():
    assert not workdays.is_overdue(D(2026, 4, 2), PRIOR, D(2026, 4, 7))
    assert workdays.is_overdue(D(2026, 4, 2), PRIOR, D(2026, 4, 8))
    assert not workdays.is_overdue(D(2026, 12, 24), REVIEW, D(2026, 12, 30))
    assert workdays.is_overdue(D(2026, 12, 24), REVIEW, D(2026, 12, 31))


def test_the_thresholds_are_settings(settings):
    assert workdays.threshold_for("prior") == PRIOR
    assert workdays.threshold_for("retrospective") == REVIEW
    settings.APPROVAL_OVERDUE_WORKING_DAYS = 3
    settings.REVIEW_OVERDUE_WORKING_DAYS = 5
    assert workdays.threshold_for("prior") == 3
    assert workdays.threshold_for("retrospective") == 5


@pytest.mark.parametrize("threshold", [1, 2, 3, 5])
def test_latest_overdue_submission_date_agrees_with_is_overdue(threshold):
    """For every day of a year and more: the cut-off is overdue, every later submission
    up to that day is not, and every earlier one is."""
    for on in _days(D(2025, 12, 1), D(2027, 1, 31)):
        last = workdays.latest_overdue_submission_date(threshold, on)
        assert last < on
        assert workdays.is_overdue(last, threshold, on), (on, last)
        for later in _days(last + datetime.timedelta(days=1), on):
            assert not workdays.is_overdue(later, threshold, on), (on, later)
        for earlier in _days(last - datetime.timedelta(days=21), last):
            assert workdays.is_overdue(earlier, threshold, on), (on, earlier)


def test_latest_overdue_submission_date_over_the_spring_bank_holiday():
    # On Tuesday 26 May 2026, Friday's prior approvals are on their one working day:
    # Thursday 21 May is the last overdue submission date.
    assert workdays.latest_overdue_submission_date(PRIOR, D(2026, 5, 26)) == D(2026, 5, 21)
    # On Wednesday 27 May, everything up to the bank holiday Monday is overdue (a
    # submission on the weekend or the holiday had Tuesday as its working day).
    assert workdays.latest_overdue_submission_date(PRIOR, D(2026, 5, 27)) == D(2026, 5, 25)
    assert workdays.latest_overdue_submission_date(REVIEW, D(2026, 5, 27)) == D(2026, 5, 21)
    assert workdays.latest_overdue_submission_date(REVIEW, D(2026, 5, 28)) == D(2026, 5, 25)


def test_local_dates_and_midnight():
    assert workdays.local_date(_local(2026, 5, 21, 0, 30)) == D(2026, 5, 21)
    assert workdays.start_of_day(D(2026, 5, 21)) == _local(2026, 5, 21)
    # 00:30 in summer is still the day before in UTC.
    assert workdays.start_of_day(D(2026, 5, 21)).astimezone(datetime.UTC).day == 20


# --- The queue's overdue flag, worked out by the database --------------------------------


@pytest.fixture
def waiting(practitioner, manager):
    """One decision awaiting approval and one urgent share awaiting review."""
    approval = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    review = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent", urgent="yes")
    )
    assert approval.state == DecisionRecord.State.AWAITING_APPROVAL
    assert review.state == DecisionRecord.State.AWAITING_REVIEW
    return approval, review


def _submit_at(record, moment):
    DecisionRecord.objects.filter(pk=record.pk).update(submitted_at=moment)


def _flags(manager, on):
    return dict(selectors.approval_queue(manager, on=on).values_list("pk", "overdue"))


def _expected(moment, timing, on):
    submitted = workdays.local_date(moment)
    return workdays.is_overdue(submitted, workdays.threshold_for(timing), on)


@pytest.mark.parametrize(
    "on",
    [
        D(2026, 5, 27),  # after the spring bank holiday, in summer time
        D(2026, 5, 28),
        D(2026, 4, 7),  # after Easter
        D(2026, 4, 8),
        D(2026, 3, 31),  # after the clocks went forward (29 March)
        D(2026, 10, 27),  # after the clocks went back (25 October)
        D(2026, 12, 29),  # after Christmas, in winter time
        D(2026, 12, 31),
        D(2027, 1, 4),
        D(2026, 5, 23),  # a Saturday
    ],
)
def test_the_queues_overdue_flag_agrees_with_is_overdue(manager, waiting, on):
    approval, review = waiting
    times = [datetime.time(0, 0), datetime.time(0, 30), datetime.time(12), datetime.time(23, 59)]
    for day in _days(on - datetime.timedelta(days=10), on):
        for time in times:
            moment = datetime.datetime.combine(day, time, tzinfo=LONDON)
            _submit_at(approval, moment)
            _submit_at(review, moment)

            flags = _flags(manager, on)

            assert flags[approval.pk] is _expected(moment, "prior", on), (moment, on)
            assert flags[review.pk] is _expected(moment, "retrospective", on), (moment, on)
            overdue = {record.pk for record in selectors.overdue_everywhere(on=on)}
            assert overdue == {pk for pk, flag in flags.items() if flag}
            assert set(selectors.overdue_for(manager, on=on).values_list("pk", flat=True)) == (
                overdue
            )


def test_the_flag_follows_the_local_day_not_the_utc_one(manager, waiting):
    """00:30 on Thursday 21 May 2026 (summer time) is 23:30 on Wednesday in UTC: due by
    the end of Friday, so not overdue on Friday; 23:30 on Wednesday is."""
    approval, review = waiting
    friday = D(2026, 5, 22)
    _submit_at(approval, _local(2026, 5, 21, 0, 30))
    _submit_at(review, _local(2026, 5, 20, 23, 30))
    queue = selectors.approval_queue(manager, on=friday)
    flags = dict(queue.values_list("pk", "overdue"))
    assert flags[approval.pk] is False
    # The review has two working days: Wednesday 20 May -> due by the end of Friday.
    assert flags[review.pk] is False
    assert _flags(manager, D(2026, 5, 23))[review.pk] is True  # from Saturday on

    DecisionRecord.objects.filter(pk=review.pk).update(state=DecisionRecord.State.AWAITING_APPROVAL)
    assert _flags(manager, friday)[review.pk] is True  # a prior approval from Wednesday


def test_the_queue_puts_overdue_first_then_oldest_first(manager, waiting, practitioner):
    approval, review = waiting
    newest = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("not_share_no_basis")
    )
    on = D(2026, 5, 28)
    _submit_at(review, _local(2026, 5, 26, 9))  # a review: not overdue until Friday
    _submit_at(approval, _local(2026, 5, 26, 10))  # overdue on Thursday
    _submit_at(newest, _local(2026, 5, 27, 9))  # not overdue

    queue = list(selectors.approval_queue(manager, on=on))

    assert queue == [approval, review, newest]
    assert [record.overdue for record in queue] == [True, False, False]


def test_the_queue_defaults_to_today(manager, waiting, monkeypatch):
    approval, review = waiting
    _submit_at(approval, _local(2026, 5, 22, 9))
    _submit_at(review, _local(2026, 5, 22, 9))
    monkeypatch.setattr(workdays, "today", lambda: D(2026, 5, 27))
    assert _flags(manager, None) == {approval.pk: True, review.pk: False}
    monkeypatch.setattr(workdays, "today", lambda: D(2026, 5, 26))
    assert _flags(manager, None) == {approval.pk: False, review.pk: False}
