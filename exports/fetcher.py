"""The only URL fetcher the PDF renderer gets: it fetches nothing from outside the app.

WeasyPrint 70's default fetcher reads local files (``<link rel="attachment"
href="file:///...">`` embeds the file's bytes) and the network. This one serves ``data:``
URLs and the app's own static files, by their path under ``STATIC_URL`` on a made-up
origin that never resolves, read through the staticfiles finders (or ``STATIC_ROOT``). It
follows no redirect and raises for ``file:``, ``http(s):`` anywhere else, and every other
scheme; WeasyPrint then leaves the resource out and carries on.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils._os import safe_join
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# The base URL documents are rendered against: ``.invalid`` is reserved (RFC 2606), so even a
# fetcher that went to the network could not reach it. Only URLs under it are served.
ORIGIN = "https://export.invalid"
MAX_STATIC_BYTES = 5 * 1024 * 1024


class FetchRefused(ValueError):
    """A URL the renderer may not fetch."""


class AppStaticFetcher(URLFetcher):
    """``data:`` URLs and the app's own static files; nothing else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
        self.refused: list[str] = []

    @property
    def base_url(self) -> str:
        return f"{ORIGIN}/"

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        try:
            return self._static(url)
        except FetchRefused:
            self.refused.append(url[:200])
            logger.warning("PDF renderer refused to fetch %.200s", url)
            raise

    def _static(self, url: str) -> URLFetcherResponse:
        relative = static_path(url)
        path = _find(relative)
        if path is None:
            raise FetchRefused(f"Not one of the app's static files: {url[:200]}")
        if path.stat().st_size > MAX_STATIC_BYTES:
            raise FetchRefused(f"Static file too large to embed: {relative}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}, status=200
        )


def static_url(relative: str) -> str:
    """The URL a template uses for one of the app's static files in a PDF."""
    return f"{ORIGIN}/{settings.STATIC_URL.strip('/')}/{relative.lstrip('/')}"


def static_path(url: str) -> str:
    """The static file's path relative to ``STATIC_URL``, or FetchRefused."""
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise FetchRefused(f"Malformed URL: {url[:200]}") from error
    if f"{parts.scheme}://{parts.netloc}".lower() != ORIGIN or parts.username or parts.port:
        raise FetchRefused(f"Not the app's own URL: {url[:200]}")
    prefix = f"/{settings.STATIC_URL.strip('/')}/"
    path = unquote(parts.path)
    if not path.startswith(prefix):
        raise FetchRefused(f"Not under STATIC_URL: {url[:200]}")
    relative = path[len(prefix) :]
    segments = relative.split("/")
    if (
        not relative
        or "\\" in relative
        or "\x00" in relative
        or any(segment in ("", ".", "..") for segment in segments)
        or posixpath.normpath(relative) != relative
    ):
        raise FetchRefused(f"Not a plain static path: {url[:200]}")
    return relative


def _find(relative: str) -> Path | None:
    """The file through the staticfiles finders (development), else under STATIC_ROOT."""
    found = finders.find(relative)
    if isinstance(found, list):
        found = found[0] if found else None
    if found:
        path = Path(found)
    elif settings.STATIC_ROOT:
        try:
            path = Path(safe_join(str(settings.STATIC_ROOT), relative))
        except SuspiciousFileOperation:
            return None
    else:
        return None
    return path if path.is_file() and _inside_static_roots(path) else None


def _static_roots() -> list[Path]:
    """Where static files live: the finders' folders and STATIC_ROOT."""
    roots = []
    for finder in finders.get_finders():
        roots += [Path(root) for _, root in getattr(finder, "locations", [])]
        roots += [Path(s.location) for s in getattr(finder, "storages", {}).values()]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return roots


def _inside_static_roots(path: Path) -> bool:
    """Its real path (symbolic links followed) is still under a static folder: a link in a
    static folder to a file elsewhere is not a static file."""
    real = path.resolve()
    return any(real.is_relative_to(root.resolve()) for root in _static_roots())
