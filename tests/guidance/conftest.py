"""Fixtures for the guidance library tests: a throwaway content folder."""

import textwrap

import pytest


@pytest.fixture
def content_dir(tmp_path, settings):
    """An empty content folder that the app publishes instead of guidance/content/."""
    folder = tmp_path / "content"
    folder.mkdir()
    settings.GUIDANCE_CONTENT_DIR = folder
    return folder


@pytest.fixture
def write_page(content_dir):
    """Write a page into the throwaway content folder: write_page(slug, body, **front_matter)."""

    def write(slug, body, **meta):
        front = {
            "title": f"Local page {slug}",
            "slug": slug,
            "summary": "A page of the local edition.",
            "source_sections": '["3"]',
            "order": 1,
            "last_reviewed": "2026-01-15",
            "next_review": "2027-01-15",
            **meta,
        }
        lines = "\n".join(f"{key}: {value}" for key, value in front.items())
        path = content_dir / f"{slug}.md"
        path.write_text(f"---\n{lines}\n---\n\n{textwrap.dedent(body)}", encoding="utf-8")
        return path

    return write
