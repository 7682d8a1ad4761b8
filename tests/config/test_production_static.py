"""The production static path: collectstatic with the production storage, then pages served
with DEBUG off from that manifest, every stylesheet and script they reference answering 200.

The test settings use the plain storage (no collectstatic needed); here the real one runs, as
"Deploying" in the README has it: whitenoise's CompressedManifestStaticFilesStorage writes the
hashed files into a temporary STATIC_ROOT and whitenoise's middleware serves them.
"""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client, override_settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

from decisions import demo

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


class _Assets(HTMLParser):
    """The URLs of every <link href> and <script src> on a page."""

    def __init__(self):
        super().__init__()
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []
        self.other_links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and attributes.get("href"):
            if "stylesheet" in (attributes.get("rel") or "").split():
                self.stylesheets.append(attributes["href"])
            else:
                self.other_links.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])


def assets_of(html: str) -> _Assets:
    parser = _Assets()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """collectstatic with the production storage, once for the module."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES, DEBUG=False):
        # Django resets its cached staticfiles storage when STORAGES or STATIC_ROOT change.
        assert staticfiles_storage.location == str(root)
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production(static_root, db):
    """Production static settings, and a client whose whitenoise reads the new root.

    The client is made inside the override: its handler builds the middleware (and so
    whitenoise's index of files under STATIC_ROOT) on its first request."""
    with override_settings(STATIC_ROOT=static_root, STORAGES=PRODUCTION_STORAGES, DEBUG=False):
        assert isinstance(staticfiles_storage, CompressedManifestStaticFilesStorage)
        yield Client()


def page_urls(client, practitioner):
    """The four kinds of page: sign-in, guidance, a wizard page, a record."""
    urls = {"sign-in": "/accounts/login/", "guidance": "/guidance/flowchart/"}
    client.force_login(practitioner)
    response = client.post("/decisions/new/")
    assert response.status_code == 302
    urls["wizard"] = response.url
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    urls["record"] = f"/records/{record.reference}/"
    return urls


def test_it_collects_every_static_file_into_the_manifest(static_root):
    manifest = (static_root / "staticfiles.json").read_text()
    for source in (settings.BASE_DIR / "static").rglob("*"):
        if source.is_file():
            name = source.relative_to(settings.BASE_DIR / "static").as_posix()
            assert f'"{name}"' in manifest, name


@pytest.mark.parametrize("kind", ["sign-in", "guidance", "wizard", "record"])
def test_it_serves_each_stylesheet_and_script_of_the_page(production, practitioner, kind):
    client = production
    url = page_urls(client, practitioner)[kind]
    if kind == "sign-in":
        client.logout()

    response = client.get(url)

    assert response.status_code == 200, url
    assets = assets_of(response.content.decode())
    assert len(assets.stylesheets) >= 2, assets.stylesheets
    assert len(assets.scripts) >= 2, assets.scripts
    for href in [*assets.stylesheets, *assets.scripts, *assets.other_links]:
        if not href.startswith("/static/"):
            continue
        # A hashed name from the manifest, served by whitenoise as immutable.
        assert href.removeprefix("/static/") in staticfiles_storage.hashed_files.values(), href
        asset = client.get(href)
        assert asset.status_code == 200, href
        assert b"".join(asset.streaming_content), href
        assert "immutable" in asset.headers.get("Cache-Control", ""), href
