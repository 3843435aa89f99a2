"""Serves dist/ with the headers of `_headers`/netlify.toml, and the CMS under its own paths.

`make demo` runs `pwa_build.devserver:application` (gunicorn): the PWA at `/`, the admin, the
API, the preview, documents and media from Django. Tests serve a built dist/ alone with
`StaticSite(root)`.
"""

import functools
import mimetypes
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .site_files import DEFAULT_CACHE_CONTROL, header_rules

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CMS_PREFIXES = (
    "/admin",
    "/django-admin/",
    "/api/",
    "/preview/",
    "/documents/",
    "/static/",
    "/media/",
)
TYPES = {
    ".webmanifest": "application/manifest+json",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".ico": "image/x-icon",
}


def headers_for(path: str) -> dict[str, str]:
    """The headers Netlify would send for `path`: every matching rule, later ones winning."""
    headers = {"Cache-Control": DEFAULT_CACHE_CONTROL}
    for pattern, values in header_rules():
        if path.startswith(pattern[:-1]) if pattern.endswith("*") else path == pattern:
            headers.update(values)
    return headers


def request_path(path_info: str) -> str:
    """The request's path as text: WSGI gives PATH_INFO as the URL's bytes read as Latin-1
    (PEP 3333), so `/notices/説明会/` arrives as mojibake; a path that is not UTF-8 matches no
    file."""
    try:
        return path_info.encode("iso-8859-1").decode("utf-8")
    except UnicodeError:
        return "/\ufffd"


class StaticSite:
    """A WSGI app serving a built dist/ (followed through its symlink on every request)."""

    def __init__(self, root: Path, cms: WSGIApp | None = None) -> None:
        self.root = root
        self.cms = cms

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        raw_path = environ.get("PATH_INFO", "/") or "/"
        if self.cms is not None and raw_path.startswith(CMS_PREFIXES):
            return self.cms(environ, start_response)
        path = request_path(raw_path)
        if environ.get("REQUEST_METHOD", "GET") not in {"GET", "HEAD"}:
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD")])
            return [b""]
        root = self.root.resolve()
        file = self._find(root, path)
        status = "200 OK"
        if file is None:
            if (root / path.lstrip("/")).is_dir() and not path.endswith("/"):
                start_response("301 Moved Permanently", [("Location", quote(path + "/"))])
                return [b""]
            file, status = root / "404.html", "404 Not Found"
            if not file.is_file():
                start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
                return ["見つかりません".encode()]
        body = file.read_bytes()
        headers = headers_for(path if status.startswith("200") else "/404.html")
        content_type = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
        headers.setdefault("Content-Type", content_type or "application/octet-stream")
        headers["Content-Length"] = str(len(body))
        start_response(status, list(headers.items()))
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]

    @staticmethod
    def _find(root: Path, path: str) -> Path | None:
        relative = path.lstrip("/")
        if any(part.startswith(".") for part in relative.split("/") if part):
            return None
        candidate = (root / relative).resolve()
        if candidate != root and root not in candidate.parents:
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html" if path.endswith("/") else candidate / "_"
        return candidate if candidate.is_file() else None


def make_application() -> WSGIApp:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    cms = get_wsgi_application()
    return StaticSite(Path(settings.PWA_DIST_DIR), cms)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Entry point for gunicorn: built on the first request, after the settings are known."""
    return _application()(environ, start_response)


@functools.cache
def _application() -> WSGIApp:
    return make_application()
