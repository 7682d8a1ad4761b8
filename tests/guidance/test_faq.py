import re

from django.utils.html import escape

from guidance.content import get_library
from tests.guidance.test_content_files import SOURCE_QUESTIONS


def test_it_renders_every_question_with_its_anchor(client):
    response = client.get("/guidance/faq/")

    assert response.status_code == 200
    content = response.content.decode()
    for _, anchor in SOURCE_QUESTIONS:
        heading = rf'<h3 class="govuk-heading-s" id="{anchor}">[^<]+\?</h3>'
        assert re.search(heading, content), anchor


def test_it_lists_every_topic_and_question_on_this_page(client):
    content = client.get("/guidance/faq/").content.decode()
    contents = content.split('aria-labelledby="on-this-page"')[1].split("</nav>")[0]
    page = get_library().get("faq")
    assert page.headings
    for topic in page.headings:
        assert f'href="#{topic.id}">{escape(topic.text)}</a>' in contents
        assert topic.children
        for question in topic.children:
            assert f'href="#{question.id}">{escape(question.text)}</a>' in contents
    listed = re.findall(r'href="#([a-z0-9-]+)"', contents)
    assert {anchor for _, anchor in SOURCE_QUESTIONS} <= set(listed)


def test_it_keeps_the_answers_read_more_links(client):
    content = client.get("/guidance/faq/").content.decode()
    body = content.split('class="app-guidance-body"')[1]
    assert body.count("Read more: ") >= len(SOURCE_QUESTIONS)


def test_it_lists_only_top_level_headings_on_other_pages(client):
    content = client.get("/guidance/golden-rules/").content.decode()
    contents = content.split('aria-labelledby="on-this-page"')[1].split("</nav>")[0]
    assert 'href="#the-rules"' in contents
    assert 'href="#rule-1"' not in contents
