"""Small numbers: what a count beyond a single team may show.

A partnership report must not let anyone single out a person. Beyond a single team:

- a count from 1 to ``threshold - 1`` is shown as "fewer than <threshold>" (primary suppression);
- every other count is rounded down to a multiple of ``threshold`` (secondary protection:
  7 is shown as 5, 12 as 10). Totals are rounded the same way, so ``total - the other
  cells`` never gives a suppressed cell back: each shown figure stands for a range of
  ``threshold`` values, and the ranges leave a suppressed cell at least two possible values
  (tests/insight/test_suppression.py tries every combination). Rounding to the nearest
  would not do: 4 + 4 = 8 would show as 10, which only 4 and 4 can make;
- a total is not shown when some total its shown cells allow would pin a suppressed cell
  to one value (four cells of "fewer than 5" with a total of "fewer than 5" can only be four
  ones): decided from the shown cells only, so that it is not shown says nothing;
- a percentage is worked out from the shown (rounded) figures, in whole per cent, and is not
  shown when its count or its base is suppressed.

Zero is shown as 0 (it singles nobody out). Within a single team every figure is exact: the
team's manager knows its cases. The threshold is the ``SMALL_NUMBER_THRESHOLD`` setting.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

NOT_SHOWN = "not shown"


@functools.cache
def threshold() -> int:
    # Read once: a dashboard asks some 1,500 times, and reading a setting is not free.
    return max(1, int(getattr(settings, "SMALL_NUMBER_THRESHOLD", 5)))


@receiver(setting_changed)
def _threshold_changed(*, setting, **kwargs):
    if setting == "SMALL_NUMBER_THRESHOLD":
        threshold.cache_clear()


@dataclass(frozen=True)
class Shown:
    """A count as the dashboard shows it: ``value`` is what may be plotted or summed (None
    when suppressed), ``text`` what a table, CSV or PDF prints."""

    value: int | None
    text: str
    suppressed: bool = False
    rounded: bool = False

    def __str__(self) -> str:
        return self.text


def fewer_than() -> str:
    return f"fewer than {threshold()}"


def shown(count: int, *, protect: bool) -> Shown:
    """``count`` as it may be shown: exact within a single team (``protect`` False)."""
    if not protect or count == 0:
        return Shown(count, f"{count:,}")
    base = threshold()
    if count < base:
        return Shown(None, fewer_than(), suppressed=True)
    value = (count // base) * base  # down: 7 -> 5, 12 -> 10
    return Shown(value, f"{value:,}", rounded=value != count)


def _range(figure: Shown) -> tuple[int, int]:
    """The true values a shown figure stands for."""
    base = threshold()
    if figure.suppressed:
        return 1, base - 1
    if figure.rounded or (figure.value and base > 1 and figure.value % base == 0):
        return figure.value, figure.value + base - 1
    return figure.value, figure.value


def total(cells: list[int], *, protect: bool) -> Shown:
    """The sum of ``cells`` as shown beside them: rounded like any count, and not shown when
    some total the shown cells allow would leave a suppressed cell one possible value. The
    test reads the shown cells only, so that a total is not shown says nothing more."""
    figure = shown(sum(cells), protect=protect)
    if not protect:
        return figure
    shown_cells = [shown(n, protect=True) for n in cells]
    suppressed = [_range(cell) for cell in shown_cells if cell.suppressed]
    if not suppressed:
        return figure  # nothing to pin
    ranges = [_range(cell) for cell in shown_cells]
    low, high = sum(r[0] for r in ranges), sum(r[1] for r in ranges)
    # The totals from low to high show as a few figures (each multiple of the threshold
    # stands for the next threshold - 1 values too): each figure is tried once.
    possible = low
    while possible <= high:
        candidate = shown(possible, protect=True)
        t_low, t_high = _range(candidate)
        if _pins(t_low, t_high, suppressed, low, high):
            return Shown(None, NOT_SHOWN, suppressed=True)
        possible = t_high + 1
    return figure


def _pins(t_low: int, t_high: int, suppressed, low: int, high: int) -> bool:
    """Whether a total shown as standing for ``t_low`` to ``t_high`` leaves some suppressed
    cell (its range) a single possible value, the others' ranges given."""
    s_low, s_high = max(low, t_low), min(high, t_high)
    for c_low, c_high in suppressed:
        others_low, others_high = low - c_low, high - c_high
        if min(c_high, s_high - others_low) - max(c_low, s_low - others_high) < 1:
            return True
    return False


def percentage(part: Shown, whole: Shown) -> str:
    """``part`` as a whole per cent of ``whole``, from the shown figures only."""
    if part.value is None or whole.value is None:
        return NOT_SHOWN
    if whole.value == 0:
        return "–"
    return f"{round(100 * part.value / whole.value)}%"
