"""Every guidance link in the flowchart definition and the wizard's steps points at a page
and an anchor that exist, in the library as published and on the rendered page."""

import pytest

from decisions.flowchart import OUTCOMES, QUESTIONS
from decisions.steps import STEPS
from guidance.content import get_library


def _links():
    for question in QUESTIONS.values():
        for link in question.guidance:
            yield f"QUESTIONS[{question.id}]", link
    for outcome in OUTCOMES.values():
        for link in outcome.guidance:
            yield f"OUTCOMES[{outcome.id}]", link
    for step in STEPS:
        for link in step.guidance:
            yield f"STEPS[{step.id}]", link


LINKS = list(_links())


def test_it_has_links_to_check():
    assert len(LINKS) > 20
    assert all(QUESTION.guidance for QUESTION in QUESTIONS.values())


def test_it_points_every_link_at_an_existing_page_and_anchor():
    library = get_library()
    broken = [
        (where, link.href)
        for where, link in LINKS
        if link.slug not in library or link.anchor not in library.anchors(link.slug)
    ]
    assert not broken, broken


@pytest.mark.parametrize(
    "href", sorted({link.href for _, link in LINKS}), ids=lambda href: href.split("/", 2)[2]
)
def test_it_finds_each_anchor_on_the_rendered_page(client, href):
    path, anchor = href.split("#")
    response = client.get(path)
    assert response.status_code == 200
    assert f'id="{anchor}"' in response.content.decode()


def test_it_would_catch_a_link_to_a_missing_anchor():
    library = get_library()
    assert "no-such-anchor" not in library.anchors("consent-and-confidentiality")
    assert "no-such-page" not in library
