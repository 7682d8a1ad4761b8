"""Small numbers: what a count beyond a single team may show.

A partnership report must not let anyone single out a person. Beyond a single team:

- a count from 1 to ``threshold - 1`` is shown as "fewer than <threshold>" (primary suppression);
- every other count is rounded to the nearest multiple of ``threshold`` (secondary
  protection). Totals, and the same quantity shown in another chart, are rounded too, so
  ``total - the other cells`` can never give a suppressed cell back: every shown figure is a
  multiple of the threshold, and a sum of rounded cells differs from a rounded total by a
  multiple of it, which leaves the suppressed cell anywhere from 1 to ``threshold - 1``;
- a percentage is worked out from the shown (rounded) figures, in whole per cent, and is not
  shown when its count or its base is suppressed.

Zero is shown as 0 (it singles nobody out). Within a single team every figure is exact: the
team's manager knows its cases. The threshold is the ``SMALL_NUMBER_THRESHOLD`` setting.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

NOT_SHOWN = "not shown"


def threshold() -> int:
    return max(1, int(getattr(settings, "SMALL_NUMBER_THRESHOLD", 5)))


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
    # Half up: 7 -> 5, 8 -> 10 (never below the threshold once at or above it).
    value = max(base, ((count + base // 2) // base) * base) if base > 1 else count
    return Shown(value, f"{value:,}", rounded=value != count)


def percentage(part: Shown, whole: Shown) -> str:
    """``part`` as a whole per cent of ``whole``, from the shown figures only."""
    if part.value is None or whole.value is None:
        return NOT_SHOWN
    if whole.value == 0:
        return "–"
    return f"{round(100 * part.value / whole.value)}%"
