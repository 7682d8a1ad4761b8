"""Small numbers: 1-4 shown as "fewer than 5" beyond a single team, the rest rounded, so that
no total or percentage gives a suppressed count back."""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest

from insight import suppression
from insight.suppression import NOT_SHOWN, percentage, shown, total
from tests.insight.fixtures import PERIOD, make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0"),
        (1, "fewer than 5"),
        (4, "fewer than 5"),
        (5, "5"),
        (7, "5"),
        (9, "5"),
        (10, "10"),
        (14, "10"),
        (1234, "1,230"),
    ],  # fmt: skip
)
def test_counts_beyond_a_single_team(count, text):
    assert shown(count, protect=True).text == text


def test_within_a_single_team_every_count_is_exact():
    assert [shown(n, protect=False).text for n in (0, 1, 4, 7)] == ["0", "1", "4", "7"]


def test_the_threshold_is_a_setting(settings):
    settings.SMALL_NUMBER_THRESHOLD = 10
    assert shown(9, protect=True).text == "fewer than 10"
    assert shown(14, protect=True).text == "10"
    assert shown(25, protect=True).text == "20"


def test_a_percentage_of_a_suppressed_count_is_not_shown():
    assert percentage(shown(3, protect=True), shown(40, protect=True)) == NOT_SHOWN
    assert percentage(shown(12, protect=True), shown(3, protect=True)) == NOT_SHOWN
    # From the shown figures only: 12 of 23 is shown as 10 of 20.
    assert percentage(shown(12, protect=True), shown(23, protect=True)) == "50%"


def _feasible_suppressed_values(cells: int, top: int):
    """For every way ``cells`` true counts (0..top) show with their total, the true values a
    reader could still believe each suppressed cell holds, given everything shown."""
    seen = defaultdict(lambda: defaultdict(set))
    for counts in itertools.product(range(top + 1), repeat=cells):
        shown_cells = tuple(shown(n, protect=True).text for n in counts)
        shown_total = total(list(counts), protect=True).text
        for i, n in enumerate(counts):
            if shown_cells[i] == "fewer than 5":
                seen[(shown_cells, shown_total)][i].add(n)
    # Left out: figures at the top of the range tried, whose range the loop cut short.
    return {
        key: by_cell
        for key, by_cell in seen.items()
        if all(not text.isdigit() or int(text) <= top - 5 for text in key[0])
    }


@pytest.mark.parametrize(("cells", "top"), [(2, 30), (3, 24), (4, 14)])
def test_no_total_backs_out_a_suppressed_count(cells, top):
    """The back-out case: cells 12 and 3 with their total 15 show as 10, "fewer than 5" and
    15; 15 - 10 = 5, not 3. In general, whatever the counts, a suppressed cell could still
    be at least two of 1-4 for a reader who has every cell and the total."""
    assert [shown(n, protect=True).text for n in (12, 3)] == ["10", "fewer than 5"]
    assert total([12, 3], protect=True).text == "15"
    for (cells_shown, shown_total), by_cell in _feasible_suppressed_values(cells, top).items():
        for i, values in by_cell.items():
            assert len(values) >= 2, (cells_shown, shown_total, i, sorted(values))


def test_a_total_that_would_pin_its_cells_is_not_shown():
    # Four cells of "fewer than 5" whose total is under 5 can only be four ones.
    assert total([1, 1, 1, 1], protect=True).text == NOT_SHOWN
    assert total([2, 2, 2, 2], protect=True).text == NOT_SHOWN  # the same cells as shown
    assert total([1, 1, 1, 0], protect=True).text == "fewer than 5"
    assert total([1, 1, 1, 1], protect=False).text == "4"


def test_the_back_out_case_on_the_dashboard(
    client, auditor, family_team, school_team, practitioner
):
    """12 shares on public task over two teams and 3 on vital interests: the lawful bases'
    table shows 10, "fewer than 5" and a total of 15, and the percentage of decisions made
    without consent is worked out from the rounded figures."""
    from tests.conftest import _user

    other = _user("other", "practitioner", school_team)
    for i in range(7):
        make(family_team, practitioner, "share_with_consent", f"2025-01-{i + 2:02d}T10:00",
             lawful_basis="public_task")  # fmt: skip
    for i in range(5):
        make(school_team, other, "share_with_consent", f"2025-02-{i + 2:02d}T10:00",
             lawful_basis="public_task")  # fmt: skip
    for i in range(3):
        make(school_team, other, "share_without_consent", f"2025-03-{i + 2:02d}T10:00",
             lawful_basis="vital_interests", reason="increase_risk")  # fmt: skip
    client.force_login(auditor)
    tables = {t.name: t for t in client.get("/insight/", PERIOD).context["tables"]}
    bases = dict(map(tuple, tables["lawful_bases"].rows))
    assert bases["Public task"] == "10"
    assert bases["Vital interests"] == "fewer than 5"
    assert bases["Total"] == "15"
    assert int(bases["Total"]) - int(bases["Public task"]) != 3
    assert tables["without_consent"].rows[-1] == ["Total", "fewer than 5", "15", NOT_SHOWN]
    csv_text = client.get("/insight/lawful_bases.csv", PERIOD).content.decode()
    assert "Vital interests,fewer than 5" in csv_text
    assert ",3\r\n" not in csv_text


def _total_trying_every_value(cells: list[int]) -> str:
    """The rule as first written: every total the shown cells allow is tried, one by one."""
    shown_cells = [shown(n, protect=True) for n in cells]
    figure = shown(sum(cells), protect=True)
    if not any(cell.suppressed for cell in shown_cells):
        return figure.text
    ranges = [suppression._range(cell) for cell in shown_cells]
    low, high = sum(r[0] for r in ranges), sum(r[1] for r in ranges)
    for possible in range(low, high + 1):
        t_low, t_high = suppression._range(shown(possible, protect=True))
        s_low, s_high = max(low, t_low), min(high, t_high)
        for cell, (c_low, c_high) in zip(shown_cells, ranges, strict=True):
            others_low, others_high = low - c_low, high - c_high
            if cell.suppressed and (
                min(c_high, s_high - others_low) - max(c_low, s_low - others_high) < 1
            ):
                return NOT_SHOWN
    return figure.text


@pytest.mark.parametrize("threshold", [1, 2, 3, 5, 10])
def test_it_tries_each_shown_total_once_and_decides_as_trying_every_value(settings, threshold):
    """total() tries one value of each figure a total could show as (a multiple of the
    threshold stands for the values up to the next): the same answer as trying them all."""
    settings.SMALL_NUMBER_THRESHOLD = threshold
    assert shown(threshold - 1, protect=True).suppressed == (threshold > 1)
    values = sorted({0, 1, 2, 3, 4, 5, 6, 9, threshold - 1, threshold, 2 * threshold + 1, 23})
    few = sorted({0, 1, 3, threshold - 1, threshold, 2 * threshold + 1})
    combinations = itertools.chain(
        *(itertools.product(values, repeat=size) for size in (1, 2, 3)),
        itertools.product(few, repeat=4),
    )
    not_shown = 0
    for cells in combinations:
        expected = _total_trying_every_value(list(cells))
        assert total(list(cells), protect=True).text == expected, cells
        not_shown += expected == NOT_SHOWN
    if threshold == 5:  # four ones, as above: the rule was met, not only passed by
        assert not_shown
