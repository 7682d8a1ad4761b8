"""Load the guidance library from Markdown files and render it to safe HTML.

Each page is a Markdown file with YAML front matter in ``settings.GUIDANCE_CONTENT_DIR``
(``guidance/content/`` by default; a deployment points the setting at its own folder to
publish a local edition). Pages are parsed once and kept until a file in the folder is
added, removed or changed: the cache key is the folder and each file's name, size and
modification time, so an edited file is picked up on the next request without a restart.

Rendering: Markdown (attr_list for explicit heading ids, tables, fenced code, sane lists,
toc) -> GOV.UK classes and ``rel="noopener"`` on external links, added to the element tree
-> nh3 with an allow-list of tags, attributes, classes and URL schemes. Raw HTML in a
Markdown file is never passed through: it is shown as text (the content rules forbid it,
and the sanitiser would strip it anyway).
"""

from __future__ import annotations

import datetime
import html
import logging
import re
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import frontmatter
import markdown
import nh3
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

logger = logging.getLogger(__name__)

FLOWCHART_SLUG = "flowchart"
FAQ_SLUG = "faq"
# Slugs the URLs already use for something else: a page with one of these is not published.
RESERVED_SLUGS = frozenset({"search"})
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

MARKDOWN_EXTENSIONS = ["attr_list", "tables", "fenced_code", "sane_lists", "toc"]

GOVUK_CLASSES = {
    "h2": "govuk-heading-m",
    "h3": "govuk-heading-s",
    "h4": "govuk-heading-s",
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "a": "govuk-link",
    "table": "govuk-table",
    "caption": "govuk-table__caption govuk-table__caption--m",
    "thead": "govuk-table__head",
    "tbody": "govuk-table__body",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
    "blockquote": "govuk-inset-text",
    "pre": "app-code-block",
    "code": "app-code",
    "hr": "govuk-section-break govuk-section-break--m govuk-section-break--visible",
}

ALLOWED_TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "a", "strong", "em",
    "b", "i", "code", "pre", "blockquote", "mark", "abbr", "sup", "sub",
    "table", "caption", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id"},
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"scope", "colspan", "rowspan", "align"},
    "td": {"colspan", "rowspan", "align"},
    "ol": {"start"},
}
ALLOWED_CLASSES = {tag: set(classes.split()) for tag, classes in GOVUK_CLASSES.items()}
URL_SCHEMES = {"http", "https", "mailto"}
EXTERNAL_LINK_RE = re.compile(r"^(?:https?:)?//", re.IGNORECASE)
EXTERNAL_REL = "noopener noreferrer"

# Block elements after which the plain text (for search) gets a line break.
_BLOCK_TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "li", "tr", "td", "th", "pre", "blockquote",
    "dt", "dd", "br", "hr", "caption",
}  # fmt: skip


class _GovukTreeprocessor(Treeprocessor):
    """Add GOV.UK Frontend classes, and rel="noopener" on links that leave the site."""

    def run(self, root: ElementTree.Element) -> None:
        code_blocks = {id(child) for pre in root.iter("pre") for child in pre}
        for element in root.iter():
            extra = GOVUK_CLASSES.get(element.tag)
            if id(element) in code_blocks:
                extra = None
            if extra:
                current = element.get("class", "")
                element.set("class", f"{current} {extra}".strip())
            if element.tag == "th" and element.get("scope") is None:
                element.set("scope", "col")
            if element.tag == "a" and EXTERNAL_LINK_RE.match(element.get("href", "")):
                element.set("rel", EXTERNAL_REL)


class _GovukExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # After toc (priority 5) has given every heading an id.
        md.treeprocessors.register(_GovukTreeprocessor(md), "govuk_classes", 1)
        # Raw HTML is not content: show it as text rather than passing it to the page.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def _new_markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[*MARKDOWN_EXTENSIONS, _GovukExtension()],
        extension_configs={"toc": {"permalink": False}},
        output_format="html",
    )


def sanitise(raw_html: str) -> str:
    """Keep only the tags, attributes, classes and URL schemes the guidance pages use."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        tag_attribute_values={"a": {"rel": {EXTERNAL_REL}}},
        link_rel=None,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
    )


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(fragment: str) -> str:
    """The text a reader sees in an HTML fragment: no tags, entities decoded, tidy spaces."""
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str
    children: tuple[Heading, ...] = ()


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    summary: str
    source_sections: tuple[str, ...]
    order: int
    last_reviewed: datetime.date | None
    next_review: datetime.date | None
    html: SafeString
    text: str
    headings: tuple[Heading, ...]  # the ## headings, each with its ### children
    anchors: frozenset[str] = field(default_factory=frozenset)

    @property
    def url(self) -> str:
        return f"/guidance/{self.slug}/"

    @property
    def sources(self) -> str:
        """'sections 11 and 13' / 'section 14' / 'sections 13, 14 and Appendix 1'."""
        numbered = [s for s in self.source_sections if s[:1].isdigit()]
        named = [s for s in self.source_sections if not s[:1].isdigit()]
        parts = list(numbered)
        if parts:
            parts[0] = f"{'section' if len(numbered) == 1 else 'sections'} {parts[0]}"
        return _join([*parts, *named])


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _headings(tokens: list[dict]) -> tuple[Heading, ...]:
    return tuple(
        Heading(
            level=token["level"],
            id=token["id"],
            text=html.unescape(token["name"]),
            children=_headings(token["children"]),
        )
        for token in tokens
    )


def _all_ids(fragment: str) -> frozenset[str]:
    return frozenset(re.findall(r'\sid="([^"]+)"', fragment))


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def render_page(path: Path) -> Page:
    """Parse one Markdown file into a Page. Raises ValueError on a file that cannot be used."""
    post = frontmatter.load(path)
    meta = post.metadata
    slug = str(meta.get("slug") or path.stem)
    if not SLUG_RE.match(slug):
        raise ValueError(f"slug {slug!r} is not lowercase letters, digits and hyphens")
    if slug in RESERVED_SLUGS:
        raise ValueError(f"slug {slug!r} is reserved")
    md = _new_markdown()
    body = md.convert(post.content)
    clean = sanitise(body)
    # Safe to mark: this is nh3's output, sanitised against the allow-list above.
    safe_html = mark_safe(clean)  # noqa: S308
    sources = meta.get("source_sections") or ()
    if isinstance(sources, str):
        sources = [sources]
    order = meta.get("order")
    return Page(
        slug=slug,
        title=str(meta.get("title") or slug.replace("-", " ").capitalize()),
        summary=str(meta.get("summary") or ""),
        source_sections=tuple(str(s) for s in sources),
        order=order if isinstance(order, int) and not isinstance(order, bool) else 10_000,
        last_reviewed=_date(meta.get("last_reviewed")),
        next_review=_date(meta.get("next_review")),
        html=safe_html,
        text=plain_text(clean),
        headings=_headings(md.toc_tokens),
        anchors=_all_ids(clean),
    )


@dataclass(frozen=True)
class Library:
    directory: Path
    pages: tuple[Page, ...]  # in reading order

    _by_slug: dict[str, Page] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_slug", {page.slug: page for page in self.pages})

    def get(self, slug: str) -> Page | None:
        return self._by_slug.get(slug)

    def __contains__(self, slug: str) -> bool:
        return slug in self._by_slug

    def anchors(self, slug: str) -> frozenset[str]:
        page = self.get(slug)
        return page.anchors if page else frozenset()


def _fingerprint(directory: Path) -> tuple:
    try:
        files = sorted(directory.glob("*.md"))
        return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    except OSError:
        return ()


def _build(directory: Path) -> Library:
    if not directory.is_dir():
        logger.error("Guidance content folder %s does not exist", directory)
    pages: dict[str, Page] = {}
    for path in sorted(directory.glob("*.md")):
        try:
            page = render_page(path)
        except Exception:  # one broken file must not take the whole library down
            logger.exception("Guidance page %s could not be loaded; it is not published", path)
            continue
        if page.slug in pages:
            logger.error("Guidance page %s repeats slug %r; it is not published", path, page.slug)
            continue
        pages[page.slug] = page
    ordered = tuple(sorted(pages.values(), key=lambda p: (p.order, p.title)))
    return Library(directory=directory, pages=ordered)


_cache: dict[str, tuple[tuple, Library]] = {}
_lock = threading.Lock()


def get_library(directory: Path | str | None = None) -> Library:
    """The library in ``directory`` (default: settings.GUIDANCE_CONTENT_DIR), cached per
    folder until a file in it changes."""
    directory = Path(directory or settings.GUIDANCE_CONTENT_DIR).resolve()
    key = _fingerprint(directory)
    cached = _cache.get(str(directory))
    if cached and cached[0] == key:
        return cached[1]
    with _lock:
        cached = _cache.get(str(directory))
        if cached and cached[0] == key:
            return cached[1]
        library = _build(directory)
        _cache[str(directory)] = (key, library)
        return library
