import os

from guidance.content import get_library, plain_text, sanitise
from tests.guidance.test_content_files import CONTENT_DIR, REQUIRED_ANCHORS


def test_it_loads_every_page_in_order_with_its_anchors():
    library = get_library(CONTENT_DIR)
    assert {page.slug for page in library.pages} == set(REQUIRED_ANCHORS)
    orders = [page.order for page in library.pages]
    assert orders == sorted(orders)
    for slug, anchors in REQUIRED_ANCHORS.items():
        assert set(anchors) <= library.anchors(slug), slug


def test_it_caches_until_a_file_changes(write_page, content_dir):
    path = write_page("one", "Hello.\n")
    first = get_library()
    assert get_library() is first

    path.write_text(path.read_text() + "\nMore.\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    second = get_library()

    assert second is not first
    assert "More." in second.get("one").text
    write_page("two", "Another.\n", order=2)
    assert [page.slug for page in get_library().pages] == ["one", "two"]


def test_it_keeps_a_cache_per_content_folder(write_page, tmp_path):
    write_page("local", "Local.\n")
    assert [page.slug for page in get_library().pages] == ["local"]
    assert get_library(CONTENT_DIR).get("about") is not None


def test_it_sanitises_html_to_the_allow_list():
    dirty = (
        '<p class="govuk-body evil" onclick="x()">Hi <script>alert(1)</script>'
        '<a href="javascript:alert(1)">js</a> <a href="https://example.org" rel="opener">ext</a>'
        '<img src=x onerror=alert(1)><mark>kept</mark><iframe src="/"></iframe></p>'
    )
    clean = sanitise(dirty)
    assert clean == (
        '<p class="govuk-body">Hi <a>js</a> <a href="https://example.org">ext</a>'
        "<mark>kept</mark></p>"
    )


def test_it_reads_plain_text_from_html():
    assert (
        plain_text(
            "<h2>Title</h2><p>One &amp; <strong>two</strong></p><ul><li>a</li><li>b</li></ul>"
        )
        == "Title\nOne & two\na\nb"
    )


def test_it_describes_the_source_sections():
    library = get_library(CONTENT_DIR)
    assert library.get("principles").sources == "section 10"
    assert library.get("golden-rules").sources == "sections 6 and 7"
    assert library.get("mental-capacity").sources == "section 13 and Appendix 1"
