import re

import frontmatter
import pytest
from django.utils.html import escape

from guidance.content import get_library
from tests.guidance.test_content_files import CONTENT_DIR, REQUIRED_ANCHORS

SLUGS = sorted(path.stem for path in CONTENT_DIR.glob("*.md"))


def _long_date(value):
    return f"{value.day} {value:%B %Y}"


@pytest.mark.parametrize("slug", SLUGS)
def test_it_renders_every_page_to_anonymous_readers(client, slug):
    meta = frontmatter.load(CONTENT_DIR / f"{slug}.md").metadata

    response = client.get(f"/guidance/{slug}/")

    assert response.status_code == 200
    content = response.content.decode()
    assert f'<h1 class="govuk-heading-xl">{escape(meta["title"])}</h1>' in content
    assert f'Last reviewed: <time datetime="{meta["last_reviewed"]}">' in content
    assert _long_date(meta["last_reviewed"]) in content
    assert f'Next review: <time datetime="{meta["next_review"]}">' in content
    assert _long_date(meta["next_review"]) in content
    assert "Source: section" in content


def test_it_names_the_source_sections_in_the_document_control_line(client):
    response = client.get("/guidance/consent-and-confidentiality/")
    assert "Source: sections 4, 12, 13 and Appendix 1." in response.content.decode()


def test_it_returns_404_for_an_unknown_slug(client):
    assert client.get("/guidance/no-such-page/").status_code == 404


@pytest.mark.parametrize("slug", SLUGS)
def test_it_gives_headings_their_ids_and_lists_them_on_the_page(client, slug):
    content = client.get(f"/guidance/{slug}/").content.decode()
    for anchor in REQUIRED_ANCHORS[slug]:
        assert re.search(rf'<h[2-6] class="govuk-heading-[ms]" id="{anchor}">', content), anchor
    page = get_library().get(slug)
    assert '<nav class="app-contents-list' in content
    for heading in page.headings:
        assert f'href="#{heading.id}"' in content


def test_it_adds_govuk_classes_to_the_rendered_markdown(client):
    content = client.get("/guidance/abuse-and-neglect/").content.decode()
    assert '<p class="govuk-body">' in content
    assert '<ul class="govuk-list govuk-list--bullet">' in content
    assert '<table class="govuk-table">' in content
    assert '<th class="govuk-table__header" scope="col">' in content
    assert '<a class="govuk-link" href="/guidance/' in content


def test_it_marks_external_links_noopener_and_leaves_internal_ones(client):
    content = client.get("/guidance/further-resources/").content.decode()
    assert '<a class="govuk-link" href="https://www.gov.uk" rel="noopener noreferrer">' in content
    internal = re.findall(r'<a class="govuk-link" href="/guidance/[^"]*"[^>]*>', content)
    assert internal and not any("rel=" in link for link in internal)


def test_it_publishes_the_content_folder_named_in_settings(client, write_page):
    write_page(
        "local-arrangements",
        """
        Our own arrangements.

        ## Who to call {#who-to-call}

        Ring the duty desk.
        """,
        title="Local arrangements",
    )

    response = client.get("/guidance/local-arrangements/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Local arrangements" in content
    assert '<h2 class="govuk-heading-m" id="who-to-call">Who to call</h2>' in content
    assert 'Last reviewed: <time datetime="2026-01-15">15 January 2026</time>' in content
    assert "Source: section 3." in content
    assert client.get("/guidance/golden-rules/").status_code == 404
    assert "/guidance/local-arrangements/" in client.get("/guidance/").content.decode()


def test_it_picks_up_an_edited_page_without_a_restart(client, write_page):
    path = write_page("changing", "First version.\n")
    assert "First version." in client.get("/guidance/changing/").content.decode()

    path.write_text(path.read_text().replace("First version.", "Second version, longer."))

    content = client.get("/guidance/changing/").content.decode()
    assert "Second version, longer." in content
    assert "First version." not in content


def test_it_strips_scripts_and_dangerous_markup_from_a_page(client, write_page):
    write_page(
        "hostile",
        """
        Before.

        <script>alert("block")</script>

        Inline <script>alert("inline")</script> and <img src="x" onerror="alert('img')">.

        [a bad link](javascript:alert('link'))

        ## A heading {#safe-id onclick="alert('attr')" style="color: red"}

        <iframe src="https://example.org"></iframe>
        """,
    )

    response = client.get("/guidance/hostile/")

    assert response.status_code == 200
    rendered = str(response.context["page"].html)
    assert "<script" not in rendered
    assert "<img" not in rendered and "<iframe" not in rendered
    tags = re.findall(r"<[a-z][^>]*>", rendered)
    assert not [tag for tag in tags if re.search(r"\s(on\w+|style)=", tag)], tags
    assert not [tag for tag in tags if "javascript:" in tag], tags
    assert '<h2 class="govuk-heading-m" id="safe-id">A heading</h2>' in rendered
    content = response.content.decode()
    assert '<script>alert("block")</script>' not in content
    assert "<script>alert(" not in content
    assert "<img" not in content
    # Only the base template's own two script files remain on the page.
    assert content.count("<script") == 2


def test_it_skips_a_broken_file_and_publishes_the_rest(client, write_page, content_dir):
    write_page("good", "Fine.\n")
    (content_dir / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody\n")
    write_page("search", "A page that would hide the search URL.\n")

    assert client.get("/guidance/good/").status_code == 200
    assert client.get("/guidance/broken/").status_code == 404
    library = get_library()
    assert [page.slug for page in library.pages] == ["good"]
