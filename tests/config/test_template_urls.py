"""{% url %} remembering constant URLs: the same output as Django's tag in every case."""

import pytest
from django.template import Context, Engine, Template
from django.template.defaulttags import URLNode
from django.test import override_settings
from django.urls import NoReverseMatch, set_script_prefix

from config.template_urls import RememberedURLNode


def _render(source: str, **context) -> str:
    # The project's engine, with the builtin, as every page has it.
    return Engine.get_default().from_string(source).render(Context(context))


def _node(source: str):
    return Engine.get_default().from_string(source).nodelist[0]


def test_it_remembers_a_constant_name_with_any_arguments():
    assert isinstance(_node("{% url 'home' %}"), RememberedURLNode)
    assert isinstance(_node("{% url 'guidance:page' 'faq' %}"), RememberedURLNode)
    assert isinstance(_node("{% url 'records:detail' reference %}"), RememberedURLNode)
    assert isinstance(_node("{% url 'guidance:page' 'faq'|upper %}"), RememberedURLNode)


@pytest.mark.parametrize(
    "source",
    [
        "{% url name %}",
        "{% url 'home' as home %}",
        "{% url 'guidance:page' slug='faq' %}",
    ],
)
def test_it_leaves_anything_not_constant_to_djangos_tag(source):
    node = _node(source)

    assert type(node) is URLNode


def test_it_writes_what_djangos_tag_writes():
    plain = Template("{% url 'home' %}|{% url 'guidance:page' 'faq' %}", engine=Engine())

    for _ in range(2):  # the first reverses, the second remembers
        assert _render("{% url 'home' %}|{% url 'guidance:page' 'faq' %}") == plain.render(
            Context()
        )


def test_it_follows_the_script_prefix():
    try:
        set_script_prefix("/share-safely/")
        assert _render("{% url 'home' %}") == "/share-safely/"
    finally:
        set_script_prefix("/")
    assert _render("{% url 'home' %}") == "/"


@override_settings(ROOT_URLCONF="config.bench_urls")
def test_it_follows_the_url_configuration():
    assert _render("{% url 'bench_bare' %}") == "/bench/bare/"


def test_a_name_that_does_not_reverse_still_fails_loudly():
    with pytest.raises(NoReverseMatch):
        _render("{% url 'no-such-page' %}")
    with pytest.raises(NoReverseMatch):
        _render("{% url 'no-such-page' %}")  # never remembered as anything


@pytest.mark.parametrize(
    "reference",
    ["ISD-2026-000123", "ISD 2026 <b>&\"'", "ÄØ-😀-\u202e", 123, "a?b#c%d"],
)
def test_it_writes_what_djangos_tag_writes_for_each_value_of_an_argument(reference):
    source = "{% url 'records:detail' reference %}|{% url 'guidance:page' slug|lower %}"
    plain = Template(source, engine=Engine())

    for _ in range(2):  # the first reverses, the second remembers
        written = _render(source, reference=reference, slug="FAQ")
        assert written == plain.render(Context({"reference": reference, "slug": "FAQ"}))
    assert _render(source, reference="ISD-2", slug="FAQ") != _render(
        source, reference="ISD-1", slug="FAQ"
    )


def test_a_value_that_does_not_reverse_fails_loudly_every_time():
    for _ in range(2):
        with pytest.raises(NoReverseMatch):  # a reference is one path segment
            _render("{% url 'records:detail' reference %}", reference="a/b")
        with pytest.raises(NoReverseMatch):
            _render("{% url 'records:detail' reference %}", reference="")


def test_it_keeps_a_bounded_number_of_urls():
    RememberedURLNode._reversed.clear()
    for number in range(4100):
        _render("{% url 'records:detail' reference %}", reference=f"ISD-2026-{number:06}")

    assert 0 < len(RememberedURLNode._reversed) <= 4096
    assert _render("{% url 'records:detail' reference %}", reference="ISD-2026-000001") == (
        "/records/ISD-2026-000001/"
    )
