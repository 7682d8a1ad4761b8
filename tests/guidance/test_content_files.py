"""Checks on the guidance library Markdown files in guidance/content/.

Plain file reading only (python-frontmatter and PyYAML), so these tests run
without Django settings:

    python -m pytest -p no:django -p no:playwright tests/guidance/test_content_files.py
"""

import datetime
import re
from pathlib import Path

import frontmatter
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = REPO_ROOT / "guidance" / "content"
SOURCE_FILE = REPO_ROOT.parent / "shared" / "reference" / "information-sharing-guidance-2018.txt"

# The wizard and other pages link to these exact anchors. Pages may add more
# headings, but these ids must stay. Keys are the full set of page slugs.
REQUIRED_ANCHORS = {
    "about": ["who-it-is-for", "how-to-use-it"],
    "golden-rules": [f"rule-{n}" for n in range(1, 8)],
    "principles": [
        "necessary-and-proportionate",
        "relevant",
        "adequate",
        "accurate",
        "timely",
        "secure",
        "record",
    ],
    "when-and-how-to-share": [
        "purpose",
        "identifiable",
        "confidential",
        "consent",
        "other-reasons",
        "how",
        "how-much",
        "fact-and-opinion",
        "right-recipient",
        "securely",
    ],
    "flowchart": ["how-to-read-it"],
    "abuse-and-neglect": ["signs", "act-now"],
    "legal-framework": [
        "who-holds-duties",
        "data-protection",
        "human-rights",
        "lawful-bases",
        "special-category-data",
        "legal-duties-and-powers",
    ],
    "myth-busting": [
        "myth-data-protection",
        "myth-consent-always-needed",
        "myth-cannot-share-between-organisations",
        "myth-confidence-and-human-rights",
        "myth-it-systems",
    ],
    "consent-and-confidentiality": [
        "informed-consent",
        "who-can-consent",
        "children-and-consent",
        "keeping-consent-current",
        "when-not-to-seek-consent",
        "refused-consent",
        "disclosure-without-consent",
        "public-interest",
        "vital-interests",
        "telling-the-person",
        "case-reviews",
    ],
    "mental-capacity": ["five-principles", "best-interests", "assessing-capacity"],
    "recording-decisions": ["what-to-record", "repeat-requests", "manager-approval"],
    "disagreements-and-escalation": ["talk-first", "escalate"],
    "getting-advice": ["who-to-ask", "caldicott-guardian", "without-naming"],
    "further-resources": ["resources"],
    "faq": [],
}

# Every question asked in sections 13 and 14 and Appendix 1 of the 2018 source,
# paired with the FAQ entry that answers it in our own words.
SOURCE_QUESTIONS = [
    # Section 13
    ("Is there a legitimate purpose for sharing the information?", "legitimate-purpose"),
    ("What is meant by public interest?", "what-is-public-interest"),
    ("How do you respect a client's trust regarding confidentiality?", "respecting-trust"),
    ("Has consent been given?", "has-consent-been-given"),
    ("The consent is current and specific", "consent-current-and-specific"),
    ("General considerations", "general-considerations"),
    (
        "What role do parents or carers play when information is shared about their "
        "children and young people?",
        "role-of-parents-and-carers",
    ),
    (
        "Additional considerations applying to children and young people",
        "additional-considerations-children",
    ),
    (
        "What if a child or young person cannot give informed consent?",
        "child-cannot-give-informed-consent",
    ),
    (
        "How do you seek consent / share information without consent as the adult lacks "
        "mental capacity to give it?",
        "adult-lacks-capacity",
    ),
    ("Are you able to obtain consent?", "able-to-obtain-consent"),
    ("What do I do if I ask but the client refuses to give consent?", "client-refuses-consent"),
    (
        "Should the client be informed that information has been shared without their consent?",
        "inform-client-after-sharing",
    ),
    ("Is there a legitimate reason to share without consent?", "legitimate-reason-without-consent"),
    (
        "Are there any obligations for information sharing that must be met?",
        "obligations-that-must-be-met",
    ),
    ("How should you record information sharing decisions?", "how-to-record-decisions"),
    (
        "If I'm asked, can I share the same information again and again?",
        "share-same-information-again",
    ),
    (
        "Can information be shared if a client's file is closed or there is no current "
        "relationship between the person and an agency or organisation?",
        "past-clients",
    ),
    (
        "Can information be shared about someone who is not a client of an agency or organisation?",
        "not-a-client",
    ),
    ("Why are providers of services for adults and children included?", "adult-and-child-services"),
    (
        "How does the information sharing protocol support intervention for at risk or "
        "vulnerable adults?",
        "vulnerable-adults",
    ),
    # Section 14
    (
        "What should be done when there is disagreement between agencies or organisations "
        "about information sharing?",
        "agencies-disagree",
    ),
    # Appendix 1
    ("What should be considered before consent to share is sought?", "before-seeking-consent"),
    (
        "When should individuals be informed about the uses of their information?",
        "when-to-inform-individuals",
    ),
    ("How should individuals be informed?", "how-to-inform-individuals"),
    ("Can a child give consent?", "can-a-child-consent"),
    ("How will consent be gained?", "how-consent-is-gained"),
    ("How will consent be kept up-to-date?", "keeping-consent-up-to-date"),
    ("When should you not seek consent?", "when-not-to-seek-consent"),
]

FRONT_MATTER_TYPES = {
    "title": str,
    "slug": str,
    "summary": str,
    "source_sections": list,
    "order": int,
    "last_reviewed": datetime.date,
    "next_review": datetime.date,
}

HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
HEADING_ID_RE = re.compile(r"\{\s*#([A-Za-z0-9_-]+)\s*\}\s*$")
ANCHOR_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
INTERNAL_LINK_RE = re.compile(r"\]\((/guidance/[^)\s]*)\)")
INTERNAL_TARGET_RE = re.compile(r"^/guidance/([a-z0-9-]+)/(?:#([a-z0-9-]+))?$")
HTML_TAG_RE = re.compile(r"<!--|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
RUN_LENGTH = 10


def _content_files():
    return sorted(CONTENT_DIR.glob("*.md"))


def _pages():
    return {path.stem: frontmatter.load(path) for path in _content_files()}


def _headings(body):
    """Yield (level, text, explicit id or None) for each Markdown heading."""
    in_fence = False
    for line in body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = HEADING_RE.match(line)
        if match:
            text = match.group(2)
            id_match = HEADING_ID_RE.search(text)
            yield len(match.group(1)), text, id_match.group(1) if id_match else None


def _ids(body):
    return [anchor for _, _, anchor in _headings(body) if anchor]


def _prose(body):
    """The body without headings: the text the no-copying check applies to."""
    return "\n".join(line for line in body.splitlines() if not HEADING_RE.match(line))


def _words(text):
    text = text.lower()
    text = re.sub(r"[^a-z0-9\s]", " ", text)
    return text.split()


def _runs(words, length=RUN_LENGTH):
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}


def test_it_has_exactly_the_expected_pages():
    assert CONTENT_DIR.is_dir(), f"missing {CONTENT_DIR}"
    assert set(_pages()) == set(REQUIRED_ANCHORS)


@pytest.mark.parametrize("path", _content_files(), ids=lambda p: p.name)
def test_it_has_front_matter_keys_with_the_right_types(path):
    page = frontmatter.load(path)
    assert set(page.metadata) == set(FRONT_MATTER_TYPES)
    for key, expected in FRONT_MATTER_TYPES.items():
        value = page.metadata[key]
        assert isinstance(value, expected), f"{path.name}: {key} should be {expected.__name__}"
    assert not isinstance(page["order"], bool)
    assert page["slug"] == path.stem
    assert page["title"].strip() and page["summary"].strip()
    assert page["source_sections"], f"{path.name}: source_sections is empty"
    assert all(isinstance(s, str) and s.strip() for s in page["source_sections"])
    assert page["next_review"] > page["last_reviewed"]


def test_it_gives_every_page_a_unique_order():
    orders = [page["order"] for page in _pages().values()]
    assert len(orders) == len(set(orders))


@pytest.mark.parametrize("slug", sorted(REQUIRED_ANCHORS))
def test_it_has_every_required_anchor(slug):
    path = CONTENT_DIR / f"{slug}.md"
    assert path.exists(), f"missing page {slug}"
    ids = set(_ids(frontmatter.load(path).content))
    missing = [anchor for anchor in REQUIRED_ANCHORS[slug] if anchor not in ids]
    assert not missing, f"{slug} is missing anchors {missing}"


def test_it_points_every_internal_link_at_an_existing_page_and_anchor():
    pages = _pages()
    ids = {slug: set(_ids(page.content)) for slug, page in pages.items()}
    broken = []
    for slug, page in pages.items():
        for target in INTERNAL_LINK_RE.findall(page.content):
            match = INTERNAL_TARGET_RE.match(target)
            if not match:
                broken.append((slug, target, "bad form"))
            elif match.group(1) not in pages:
                broken.append((slug, target, "no such page"))
            elif match.group(2) and match.group(2) not in ids[match.group(1)]:
                broken.append((slug, target, "no such anchor"))
    assert not broken, broken


@pytest.mark.parametrize("path", _content_files(), ids=lambda p: p.name)
def test_it_gives_every_heading_an_explicit_unique_id(path):
    body = frontmatter.load(path).content
    headings = list(_headings(body))
    assert headings, f"{path.name} has no headings"
    assert all(level > 1 for level, _, _ in headings), f"{path.name} has an H1"
    for level, text, anchor in headings:
        if level in (2, 3):
            assert anchor, f"{path.name}: heading without id: {text}"
        if anchor:
            assert ANCHOR_RE.match(anchor), f"{path.name}: id not lowercase-hyphenated: {anchor}"
    ids = _ids(body)
    assert len(ids) == len(set(ids)), f"{path.name} repeats an id"


def test_it_does_not_start_a_body_with_an_h1():
    for slug, page in _pages().items():
        first = page.content.lstrip().splitlines()[0]
        assert not re.match(r"^#\s", first), slug


def test_it_has_a_faq_entry_for_each_source_question():
    faq = frontmatter.load(CONTENT_DIR / "faq.md")
    entry_ids = {anchor for level, _, anchor in _headings(faq.content) if level == 3}
    missing = [(q, anchor) for q, anchor in SOURCE_QUESTIONS if anchor not in entry_ids]
    assert not missing, missing
    anchors = [anchor for _, anchor in SOURCE_QUESTIONS]
    assert len(anchors) == len(set(anchors))


def test_it_ends_every_faq_answer_with_a_read_more_link():
    body = frontmatter.load(CONTENT_DIR / "faq.md").content
    entries = re.split(r"^#{2,3}\s.*$", body, flags=re.MULTILINE)
    headings = [line for line in body.splitlines() if HEADING_RE.match(line)]
    for heading, text in zip(headings, entries[1:], strict=True):
        if not heading.startswith("### "):
            continue
        last = text.strip().splitlines()[-1]
        assert re.match(r"^Read more: \[[^\]]+\]\(/guidance/[^)]+\)", last), heading


def test_it_does_not_copy_ten_word_runs_from_the_source():
    if not SOURCE_FILE.exists():
        pytest.skip(f"source not available at {SOURCE_FILE}")
    source_runs = _runs(_words(SOURCE_FILE.read_text(encoding="utf-8")))
    copied = {}
    for slug, page in _pages().items():
        found = _runs(_words(_prose(page.content))) & source_runs
        if found:
            copied[slug] = sorted(" ".join(run) for run in found)
    assert not copied, copied


def test_it_has_no_raw_html_in_bodies():
    offending = {
        slug: HTML_TAG_RE.findall(page.content)
        for slug, page in _pages().items()
        if HTML_TAG_RE.search(page.content)
    }
    assert not offending, offending
