import frontmatter
from django.utils.html import escape

from tests.guidance.test_content_files import CONTENT_DIR


def _pages_in_order():
    pages = [frontmatter.load(path) for path in CONTENT_DIR.glob("*.md")]
    return sorted(pages, key=lambda page: page["order"])


def test_it_lists_every_page_in_order_with_its_summary_to_anonymous_readers(client):
    response = client.get("/guidance/")

    assert response.status_code == 200
    content = response.content.decode().split("All guidance</h2>")[1]
    positions = []
    for page in _pages_in_order():
        link = f'href="/guidance/{page["slug"]}/">{escape(page["title"])}</a>'
        assert link in content, page["slug"]
        assert escape(page["summary"]) in content
        positions.append(content.index(link))
    assert positions == sorted(positions)


def test_it_has_a_search_box_and_links_to_the_faq_and_flowchart(client):
    content = client.get("/guidance/").content.decode()
    form = '<form class="app-search app-no-print" action="/guidance/search/" method="get"'
    assert form in content
    assert 'name="q" type="search"' in content
    assert '<label class="govuk-label govuk-label--s" for="guidance-search">' in content
    shortcuts = content.split('class="govuk-list app-guidance-shortcuts"')[1].split("</ul>")[0]
    assert 'href="/guidance/faq/"' in shortcuts
    assert 'href="/guidance/flowchart/"' in shortcuts


def test_it_loads_the_guidance_stylesheet(client):
    content = client.get("/guidance/").content.decode()
    assert 'href="/static/app/guidance.css"' in content


def test_it_says_so_when_the_content_folder_is_empty(client, content_dir):
    response = client.get("/guidance/")
    assert response.status_code == 200
    assert "No guidance has been published yet." in response.content.decode()
