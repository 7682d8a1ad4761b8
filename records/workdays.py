"""Working days: Monday to Friday, less the bank holidays of England and Wales.

Overdue thresholds are counted in these days. The calendar comes from the ``holidays``
package, so nobody keeps a list of dates by hand.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone

# England and Wales keep the same bank holidays: the package files them under England.
_CALENDAR_COUNTRY, _CALENDAR_SUBDIVISION = "GB", "ENG"


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[datetime.date]:
    calendar = holidays.country_holidays(
        _CALENDAR_COUNTRY, subdiv=_CALENDAR_SUBDIVISION, years=year
    )
    return frozenset(calendar)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The working day ``count`` working days after ``day`` (``day`` itself never counts)."""
    while count > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end``: 0 on the same day."""
    if end <= start:
        return 0
    return sum(
        is_working_day(start + datetime.timedelta(days=offset))
        for offset in range(1, (end - start).days + 1)
    )


def local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def today() -> datetime.date:
    return timezone.localdate()


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of ``day``, as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def threshold_for(timing: str) -> int:
    """Working days a manager has: prior approvals and retrospective reviews differ."""
    if timing == "retrospective":
        return settings.REVIEW_OVERDUE_WORKING_DAYS
    return settings.APPROVAL_OVERDUE_WORKING_DAYS


def is_overdue(submitted: datetime.date, threshold: int, on: datetime.date) -> bool:
    """Due by the end of the ``threshold``-th working day after submission; overdue after."""
    return on > add_working_days(submitted, threshold)


def latest_overdue_submission_date(threshold: int, on: datetime.date) -> datetime.date:
    """The last submission date that is overdue ``on`` this day: everything submitted on or
    before it is overdue. Lets the database sort overdue items first without a Python loop."""
    day = on - datetime.timedelta(days=1)
    while is_overdue(day, threshold, on) is False:
        day -= datetime.timedelta(days=1)
    return day
