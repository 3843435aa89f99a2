"""The files around the pages: manifest, service worker, sitemap, Atom feed, robots, headers."""

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.utils.encoding import iri_to_uri

if TYPE_CHECKING:  # the dev server imports this module before Django is set up
    from .content import Entry, SiteContent

FEED_ENTRIES = 50


def manifest_json(site: dict[str, str], icon_url: dict[str, str]) -> bytes:
    manifest = {
        "id": "/",
        "name": site["name"],
        "short_name": site["short_name"],
        "description": f"{site['org_name']}を退職された方と県をつなぐアプリです。",
        "lang": "ja",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": site["theme_color"],
        "background_color": "#ffffff",
        "icons": [
            {"src": icon_url["icons/icon-192.png"], "sizes": "192x192", "type": "image/png"},
            {"src": icon_url["icons/icon-512.png"], "sizes": "512x512", "type": "image/png"},
            {
                "src": icon_url["icons/icon-maskable-512.png"],
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return json.dumps(manifest, ensure_ascii=False, indent=1).encode()


def service_worker(
    source: Path, *, version: str, precache: dict[str, str], config: dict[str, object]
) -> bytes:
    """The service worker source with the build's version, its precache list (URL ->
    revision) and its settings written in front of it."""
    header = (
        "// Written by pwa_build: the version, the precache list and the settings of this build.\n"
        f"const BUILD_VERSION = {json.dumps(version)};\n"
        f"const PRECACHE = {json.dumps(sorted(precache.items()))};\n"
        f"const CONFIG = {json.dumps(config, ensure_ascii=False)};\n"
    )
    return (header + source.read_text()).encode()


def sitemap(entries: "Iterable[Entry]", extra_paths: Iterable[str]) -> bytes:
    base = settings.PWA_BASE_URL
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    base = escape(base)
    for entry in entries:
        # The sitemap protocol wants URLs percent-encoded: a page with a Japanese slug (Wagtail
        # makes one from a Japanese title) is listed as /press/%E5%AE%AE…/, not as raw text.
        lines.append(f"<url><loc>{base}{escape(iri_to_uri(entry.path))}</loc>{entry.lastmod}</url>")
    for path in extra_paths:
        lines.append(f"<url><loc>{escape(base + iri_to_uri(path))}</loc></url>")
    lines.append("</urlset>")
    return "\n".join(lines).encode()


def atom_feed(content: "SiteContent", site: dict[str, str]) -> bytes:
    """The newest public notices as an Atom feed (title, link, summary; never members-only)."""
    base = settings.PWA_BASE_URL
    notices = content.notices[:FEED_ENTRIES]
    index_path = content.notice_index.path if content.notice_index else "/"
    stamps = [n.published for n in notices if n.published]
    updated = max(stamps).isoformat() if stamps else "2000-01-01T00:00:00+00:00"
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">',
        f"<title>{escape(site['name'])}：お知らせ</title>",
        f"<id>{escape(base + '/feed.xml')}</id>",
        f'<link rel="self" href={quoteattr(base + "/feed.xml")}/>',
        f'<link rel="alternate" type="text/html" href={quoteattr(base + index_path)}/>',
        f"<updated>{updated}</updated>",
        f"<author><name>{escape(site['org_name'])}</name></author>",
    ]
    for notice in notices:
        url = base + notice.path
        stamp = (notice.published or updated).__str__()
        if notice.published:
            stamp = notice.published.isoformat()
        out += [
            "<entry>",
            f"<title>{escape(notice.title)}</title>",
            f"<id>{escape(url)}</id>",
            f'<link rel="alternate" type="text/html" href={quoteattr(url)}/>',
            f"<updated>{stamp}</updated>",
            f"<summary>{escape(notice.summary)}</summary>",
            f"<category term={quoteattr(notice.category_slug)} label={quoteattr(notice.category_name)}/>",
            "</entry>",
        ]
    out.append("</feed>")
    return "\n".join(out).encode()


def robots_txt() -> bytes:
    return (
        "User-agent: *\nDisallow: /app/\nDisallow: /offline/\n"
        f"Sitemap: {settings.PWA_BASE_URL}/sitemap.xml\n"
    ).encode()


# Headers ------------------------------------------------------------------------------------


def content_security_policy() -> str:
    api = settings.API_ORIGIN
    extra = f" {api}" if api != settings.PWA_BASE_URL else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data:{extra}",
            "font-src 'self'",
            f"connect-src 'self'{extra}",
            "manifest-src 'self'",
            "worker-src 'self'",
            f"form-action 'self'{extra}",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


def header_rules() -> list[tuple[str, dict[str, str]]]:
    """Path pattern -> headers, as Netlify's `_headers` reads them; later rules add to earlier."""
    return [
        (
            "/*",
            {
                "Content-Security-Policy": content_security_policy(),
                "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "strict-origin-when-cross-origin",
                "Permissions-Policy": (
                    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                    "interest-cohort=()"
                ),
                "X-Frame-Options": "DENY",
                "Cross-Origin-Opener-Policy": "same-origin",
            },
        ),
        ("/assets/*", {"Cache-Control": "public, max-age=31536000, immutable"}),
        ("/sw.js", {"Cache-Control": "no-cache"}),
        (
            "/manifest.webmanifest",
            {"Cache-Control": "no-cache", "Content-Type": "application/manifest+json"},
        ),
    ]


# Anything not matched above (HTML, feed, sitemap) is revalidated on each request.
DEFAULT_CACHE_CONTROL = "public, max-age=0, must-revalidate"


def headers_file() -> bytes:
    lines: list[str] = []
    for pattern, headers in header_rules():
        lines.append(pattern)
        lines += [f"  {name}: {value}" for name, value in headers.items()]
        lines.append("")
    return "\n".join(lines).encode()


def netlify_toml() -> str:
    """The `netlify.toml` of the repository: the same headers as `dist/_headers`."""
    lines = [
        "# Deploy of dist/ to Netlify. Generated by `manage.py build_pwa --netlify-toml`;",
        "# the same headers are written to dist/_headers for any other static host.",
        "[build]",
        'publish = "dist"',
        'command = "python manage.py build_pwa --full"',
        "",
    ]
    for pattern, headers in header_rules():
        lines += ["[[headers]]", f"for = {json.dumps(pattern)}", "[headers.values]"]
        lines += [f"{json.dumps(name)} = {json.dumps(value)}" for name, value in headers.items()]
        lines.append("")
    lines += [
        "[[redirects]]",
        'from = "/*"',
        'to = "/404.html"',
        "status = 404",
        "",
    ]
    return "\n".join(lines)
