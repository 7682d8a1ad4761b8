"""Search the guidance library: ranked pages, each with a highlighted snippet.

Two ways, the same expectations:

- On PostgreSQL, full-text search in one query over a ``VALUES`` list of the pages'
  (slug, title, text): ``to_tsvector('english', ...)`` with the title weighted A and the
  text B, ``websearch_to_tsquery`` (it accepts anything a person types, quotes and all,
  without a syntax error), ``ts_rank`` and ``ts_headline``. Why not a table with a GIN
  index: the pages live in version-controlled files (a deployment may point at its own
  folder), so a table would need keeping in step with the files and a migration, while the
  whole library is about fifteen pages and ten thousand words, which PostgreSQL parses in a
  few milliseconds. If the library grows to hundreds of pages, index it in a table keyed by
  the content fingerprint instead.
- Elsewhere (SQLite in development), a simple scored match in Python over the rendered
  plain text: every word of the query must appear (as ``websearch_to_tsquery`` requires);
  a match in the title counts ``TITLE_WEIGHT`` times a match in the text.

Snippets are built XSS-safe: all text is escaped first, then the matches are wrapped in
``<mark>``. ts_headline marks matches with markers that contain no HTML-special character;
its output is escaped and only then are the markers swapped for ``<mark>``/``</mark>``.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from dataclasses import dataclass

from django.db import DatabaseError, connection
from django.utils.safestring import SafeString, mark_safe

from guidance.content import Library, Page

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 100
MAX_TERMS = 10
TITLE_WEIGHT = 10
PHRASE_BONUS = 5
SNIPPET_BEFORE = 80
SNIPPET_AFTER = 220

# Unusual markers for ts_headline: no &, <, >, " or ', so escaping leaves them alone.
START_MARK = "[[[guidance-mark]]]"
STOP_MARK = "[[[/guidance-mark]]]"
HEADLINE_OPTIONS = (
    f'StartSel="{START_MARK}", StopSel="{STOP_MARK}", MaxWords=35, MinWords=15, '
    'ShortWord=3, MaxFragments=2, FragmentDelimiter=" … "'
)

# Words too common to search on (a short list; PostgreSQL's english dictionary has its own).
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "for", "from",
    "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "may", "me", "my",
    "no", "not", "of", "on", "or", "our", "so", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "to", "us", "was", "we", "were", "what",
    "when", "where", "which", "who", "why", "will", "with", "you", "your",
})  # fmt: skip
WORD_RE = re.compile(r"\w+(?:'\w+)*")


@dataclass(frozen=True)
class Query:
    text: str  # cleaned and truncated: what is searched and shown
    truncated: bool = False

    def __bool__(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class Result:
    page: Page
    score: float
    snippet: SafeString


def clean_query(raw: str | None) -> Query:
    """Drop control characters, tidy spaces and keep at most MAX_QUERY_LENGTH characters."""
    raw = raw or ""
    # Control and format characters (NUL among them, which PostgreSQL refuses) become spaces.
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in raw)
    text = " ".join(text.split())
    truncated = len(text) > MAX_QUERY_LENGTH
    if truncated:
        cut = text[: MAX_QUERY_LENGTH + 1]
        # Drop a word cut in half, so the search is for whole words on every database.
        text = cut.rsplit(" ", 1)[0] if " " in cut else cut[:MAX_QUERY_LENGTH]
        text = text.rstrip()
    return Query(text=text, truncated=truncated)


def search(query: Query | str, library: Library) -> list[Result]:
    """Pages matching the query, best first. Empty for an empty query."""
    if isinstance(query, str):
        query = clean_query(query)
    if not query or not library.pages:
        return []
    if connection.vendor == "postgresql":
        try:
            return _search_postgresql(query.text, library)
        except DatabaseError:  # never an error page for a search: fall back, and say so
            logger.exception("Full-text search failed; using the simple search instead")
    return _search_simple(query.text, library)


# --- PostgreSQL ------------------------------------------------------------------------


def _search_postgresql(text: str, library: Library) -> list[Result]:
    pages = library.pages
    rows_sql = ", ".join(["(%s, %s, %s)"] * len(pages))
    params: list[str] = []
    for page in pages:
        body = _without_markers(f"{page.summary}\n{page.text}")
        params.extend([page.slug, _without_markers(page.title), body])
    sql = f"""
        WITH docs (slug, title, body) AS (VALUES {rows_sql}),
        q (query) AS (SELECT websearch_to_tsquery('english', %s)),
        vectors AS (
            SELECT slug, body,
                   setweight(to_tsvector('english', title), 'A')
                   || setweight(to_tsvector('english', body), 'B') AS document
            FROM docs
        )
        SELECT v.slug, ts_rank(v.document, q.query),
               ts_headline('english', v.body, q.query, %s)
        FROM vectors v CROSS JOIN q
        WHERE v.document @@ q.query
    """  # noqa: S608 (only placeholders are interpolated; every value is a parameter)
    params.extend([text, HEADLINE_OPTIONS])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    results = [
        Result(page=library.get(slug), score=float(rank), snippet=_mark_headline(headline))
        for slug, rank, headline in rows
    ]
    return sorted(results, key=lambda r: (-r.score, r.page.order))


def _without_markers(text: str) -> str:
    return text.replace(START_MARK, "").replace(STOP_MARK, "")


def _mark_headline(headline: str) -> SafeString:
    escaped = html.escape(" ".join(headline.split()))
    marked = escaped.replace(START_MARK, "<mark>").replace(STOP_MARK, "</mark>")
    # Safe: everything from the database was escaped above; only our own tags were added.
    return mark_safe(marked)  # noqa: S308


# --- Elsewhere: a simple scored match --------------------------------------------------


def terms_of(text: str) -> list[str]:
    """The distinct words of a query worth matching, in order, at most MAX_TERMS."""
    terms: list[str] = []
    for word in WORD_RE.findall(text.lower()):
        if word not in STOP_WORDS and word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def _stem(word: str) -> str:
    """A crude English stem, so 'interests' finds 'interest' and 'consented' 'consent'."""
    word = word.removesuffix("'s")
    if len(word) > 4:
        if word.endswith("ies"):
            return word[:-3] + "y"
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and not word.endswith("ss"):
                return word[: -len(suffix)]
    return word


def _term_pattern(term: str) -> re.Pattern:
    if term.isdigit():  # numbers match whole: '1' is not '11'
        return re.compile(rf"\b{term}\b")
    return re.compile(rf"\b{re.escape(_stem(term))}\w*", re.IGNORECASE)


def _search_simple(text: str, library: Library) -> list[Result]:
    terms = terms_of(text)
    if not terms:
        return []
    patterns = [_term_pattern(term) for term in terms]
    phrase = re.compile(r"\W+".join(re.escape(t) for t in terms), re.IGNORECASE)
    any_term = re.compile("|".join(p.pattern for p in patterns), re.IGNORECASE)
    results = []
    for page in library.pages:
        body = f"{page.summary}\n{page.text}"
        score = 0
        for pattern in patterns:
            in_title = len(pattern.findall(page.title))
            in_body = len(pattern.findall(body))
            if not in_title and not in_body:
                break  # every term must match
            score += TITLE_WEIGHT * in_title + in_body
        else:
            if len(terms) > 1:
                score += PHRASE_BONUS * len(phrase.findall(body))
            match = phrase.search(page.text) if len(terms) > 1 else None
            match = match or any_term.search(page.text)
            snippet = _snippet(page.text, match.start() if match else 0, any_term)
            results.append(Result(page=page, score=float(score), snippet=snippet))
    return sorted(results, key=lambda r: (-r.score, r.page.order))


def _snippet(text: str, position: int, pattern: re.Pattern) -> SafeString:
    """Text around ``position``, escaped, with every match of ``pattern`` in <mark>."""
    start = max(0, position - SNIPPET_BEFORE)
    end = min(len(text), position + SNIPPET_AFTER)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < position else start
    if end < len(text):
        space = text.rfind(" ", position, end)
        end = space if space > position else end
    window = " ".join(text[start:end].split())
    parts: list[str] = ["… " if start > 0 else ""]
    cursor = 0
    for match in pattern.finditer(window):
        parts.append(html.escape(window[cursor : match.start()]))
        parts.append(f"<mark>{html.escape(match.group())}</mark>")
        cursor = match.end()
    parts.append(html.escape(window[cursor:]))
    parts.append(" …" if end < len(text) else "")
    # Safe: every piece of text was escaped above; only our own <mark> tags were added.
    return mark_safe("".join(parts))  # noqa: S308
