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


def test_it_remembers_a_constant_name_and_constant_arguments():
    assert isinstance(_node("{% url 'home' %}"), RememberedURLNode)
    assert isinstance(_node("{% url 'guidance:page' 'faq' %}"), RememberedURLNode)


@pytest.mark.parametrize(
    "source",
    [
        "{% url name %}",
        "{% url 'records:detail' reference %}",
        "{% url 'home' as home %}",
        "{% url 'guidance:page' slug='faq' %}",
        "{% url 'guidance:page' 'faq'|upper %}",
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
