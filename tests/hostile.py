"""Hostile strings for the property-based tests (hypothesis), and what "shown escaped" means.

Each string mixes markup and template syntax, SQL-like text, spreadsheet formulas, NUL and
other control characters, right-to-left and zero-width marks, emoji and astral characters,
and sometimes runs to 100,000 characters. Lone surrogates cannot be encoded into a request by
a browser or by Django's test client; the raw-body helpers below send their UTF-8 form
(``%ED%A0%80``), which is invalid UTF-8, as are ``%ff%fe`` and ``%c0%af``.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# Written as a browser would send it, and as it must never come back (unescaped).
MARKUP = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(2)</script>",
    '<a href="javascript:alert(3)">x</a>',
)
TEMPLATE = ("{{ request.user.password }}", "{% debug %}", "{{7*7}}", "{% csrf_token %}")
SQL = ("'; DROP TABLE records_decisionrecord; --", "1' OR '1'='1", '"; SELECT pg_sleep(1); --')
FORMULAS = ('=HYPERLINK("http://example.invalid","x")', "+1+2", "-2+3", "@SUM(A1)", "=1+1")
MARKS = ("\u202e", "\u200f", "\u200e", "\u2066", "\u2069", "\u200b", "\ufeff")
EMOJI = ("😀", "👩‍👩‍👧", "🏳️‍🌈", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\U0010fffd", "é", "ﷺ")
NUL = "\x00"

# NUL and the other C0 controls, DEL and the C1 controls.
controls = st.sampled_from([chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))])
# Any character a request can carry (no lone surrogates), from the whole of Unicode.
characters = st.characters(exclude_categories=("Cs",))

piece = st.one_of(
    st.sampled_from(MARKUP + TEMPLATE + SQL + FORMULAS + MARKS + EMOJI),
    st.text(controls, min_size=1, max_size=3),
    st.text(characters, min_size=1, max_size=12),
)
short = st.lists(piece, min_size=1, max_size=6).map("".join)


def _repeat_to(text: str, size: int) -> str:
    return (text * (size // max(len(text), 1) + 1))[:size]


# Mostly short; now and then 100,000 characters (over every limit in the app).
hostile = st.one_of(short, short, short, short.map(lambda text: _repeat_to(text, 100_000)))
# Without NUL: text a form may accept.
clean = short.map(lambda text: text.replace(NUL, ""))

# Invalid UTF-8 and overlong forms, as percent-escapes in a query string or a form body.
BAD_ESCAPES = ("%ff%fe", "%c0%af", "%ED%A0%80", "%80", "%e2%82", "%00", "%f4%90%80%80")
raw_value = st.lists(
    st.one_of(
        st.sampled_from(BAD_ESCAPES),
        st.sampled_from(("%3Cscript%3E", "%22%3E%3Cimg+src%3Dx%3E", "%27%3B--", "%7B%7B", "+")),
        st.text("abcXYZ019-_.", min_size=1, max_size=5),
    ),
    min_size=1,
    max_size=6,
).map("".join)


def fast(max_examples: int):
    """The settings every hostile test runs with: a fixed number of examples, no deadline
    (the first request of a run is slow), no example database left in the checkout, and no
    shrinking: shrinking 100,000-character requests takes minutes; the failure is reported
    as found."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def lines(text: str) -> list[str]:
    """The lines of ``text`` as ``linebreaksbr`` breaks them."""
    return [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]


def assert_shown_escaped(page: str, text: str) -> None:
    """Each line of ``text`` is in ``page`` escaped, and none of the markup runs."""
    for line in lines(text):
        assert escape(line) in page, f"{line[:80]!r} not shown escaped"
    assert_no_markup(page)


def assert_no_markup(page: str) -> None:
    """None of the hostile markup is in the page as markup."""
    for markup in (*MARKUP, "<script>alert", "<img src=x", "<svg onload", 'href="javascript:'):
        assert markup not in page, f"{markup!r} in the page unescaped"
