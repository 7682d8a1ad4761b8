"""Search runs full-text search on PostgreSQL and a scored match elsewhere: the same
expectations hold on both."""

import re

import pytest

from guidance.search import MAX_QUERY_LENGTH, clean_query

pytestmark = pytest.mark.django_db

LONG_QUERY = "consent " * 625  # 5,000 characters


def _results(content):
    return re.findall(
        r'<h2 class="govuk-heading-s[^"]*"><a class="govuk-link" '
        r'href="/guidance/([a-z0-9-]+)/">',
        content,
    )


def _snippets(content):
    return re.findall(r'<p class="[^"]*app-search-results__snippet">(.*?)</p>', content, re.S)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("consent", "consent-and-confidentiality"),
        ("capacity", "mental-capacity"),
        ("vital interests", "consent-and-confidentiality"),
        ("Caldicott", "getting-advice"),
        ("CALDICOTT guardian", "getting-advice"),
    ],
)
def test_it_ranks_the_best_page_first(client, query, first):
    response = client.get("/guidance/search/", {"q": query})

    assert response.status_code == 200
    results = _results(response.content.decode())
    assert results and results[0] == first, results


def test_it_ranks_title_matches_above_pages_that_only_mention_the_word(client):
    results = _results(client.get("/guidance/search/", {"q": "myth"}).content.decode())
    assert results[0] == "myth-busting"


def test_it_also_finds_the_other_page_on_vital_interests(client):
    results = _results(client.get("/guidance/search/", {"q": "vital interests"}).content.decode())
    assert "legal-framework" in results[1:]


def test_it_highlights_the_matches_in_each_snippet(client):
    content = client.get("/guidance/search/", {"q": "Caldicott"}).content.decode()
    snippets = _snippets(content)
    assert snippets
    assert all(re.search(r"<mark>caldicott</mark>", s, re.I) for s in snippets)


def test_it_finds_words_in_the_rendered_text_not_the_markdown(client, write_page):
    write_page(
        "local",
        """
        See [the duty desk](/guidance/zebra/#quagga) for **urgent** help.

        ## Out of hours {#okapi}

        Call the emergency team.
        """,
        title="Local help",
    )
    for word in ("zebra", "quagga", "okapi", "**urgent**"):
        content = client.get("/guidance/search/", {"q": word}).content.decode()
        if word.startswith("*"):
            assert _results(content) == ["local"]
            assert "**" not in _snippets(content)[0]
        else:
            assert _results(content) == [], word


def test_it_escapes_a_script_query_and_never_shows_it_raw(client):
    query = "<script>alert(1)</script>"

    response = client.get("/guidance/search/", {"q": query})

    assert response.status_code == 200
    content = response.content.decode()
    assert query not in content
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "No pages found for" in content


def test_it_escapes_markup_in_a_query_that_matches(client):
    response = client.get("/guidance/search/", {"q": 'consent <b onmouseover="x">'})
    content = response.content.decode()
    assert response.status_code == 200
    assert '<b onmouseover="x">' not in content
    for snippet in _snippets(content):
        assert re.fullmatch(r"(?:[^<>]|<mark>|</mark>)*", snippet), snippet


@pytest.mark.parametrize(
    "query",
    ["' OR 1=1 --", '"unbalanced', "consent' AND '1'='1", "a:b & | ! ( ) * :*", "-", "\x00x\x07"],
)
def test_it_handles_hostile_queries_with_a_clear_page(client, query):
    response = client.get("/guidance/search/", {"q": query})

    assert response.status_code == 200
    content = response.content.decode()
    assert (
        "page found for" in content
        or "pages found for" in content
        or "No pages found for" in content
        or "Enter a word or phrase" in content
    )


def test_it_shortens_a_very_long_query(client):
    response = client.get("/guidance/search/", {"q": LONG_QUERY})

    assert response.status_code == 200
    content = response.content.decode()
    assert "only the first 100 characters were used" in content
    value = re.search(r'name="q" type="search" value="([^"]*)"', content).group(1)
    assert 0 < len(value) <= 100
    assert _results(content)[0] == "consent-and-confidentiality"


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}])
def test_it_asks_for_a_word_when_the_query_is_empty(client, params):
    response = client.get("/guidance/search/", params)

    assert response.status_code == 200
    content = response.content.decode()
    assert _results(content) == []
    assert "No pages found" not in content
    if params:
        assert "Enter a word or phrase to search for" in content


def test_it_says_nothing_was_found_for_an_unknown_word(client):
    content = client.get("/guidance/search/", {"q": "xylophone"}).content.decode()
    assert "No pages found for ‘<strong>xylophone</strong>’" in content
    assert 'href="/guidance/"' in content


def test_it_cuts_a_long_query_at_a_word_boundary():
    query = clean_query("consent " * 20)
    assert query.truncated
    assert len(query.text) <= MAX_QUERY_LENGTH
    assert query.text.split(" ")[-1] == "consent"
    assert clean_query("x" * 5000).text == "x" * MAX_QUERY_LENGTH
    assert clean_query("a\x00b\u200bc\n d").text == "a b c d"
