"""Serving a live page: Wagtail's own (the build's renderer fed with that one page's data) and
the demo server's of the built files."""

import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pwa_build.build import build
from pwa_build.devserver import StaticSite
from tests.content.factories import NoticePageFactory

from .conftest import SiteTree


def test_serving_a_notice_shows_what_the_build_writes(
    site_tree: SiteTree, dist: Path, client: Client
) -> None:
    build(full=True)
    response = client.get("/notices/open-day/")
    assert response.status_code == 200
    assert response.content == (dist / "notices/open-day/index.html").read_bytes()


def test_serving_one_page_costs_the_same_queries_whatever_the_site_size(
    site_tree: SiteTree, client: Client
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/notices/open-day/").status_code == 200
        return len(captured)

    queries()  # warm Wagtail's site and locale caches
    few = queries()
    for n in range(40):
        NoticePageFactory(parent=site_tree.notices, slug=f"more-{n}", body=[])
    assert queries() == few


def test_a_members_only_notice_is_not_served(site_tree: SiteTree, client: Client) -> None:
    assert client.get("/notices/members-only/").status_code == 404


def test_an_unknown_url_on_the_cms_origin_is_a_plain_404(
    site_tree: SiteTree, client: Client
) -> None:
    # Django's own 404 view must not pick up a PWA template it cannot fill.
    client.raise_request_exception = False
    assert client.get("/no-such-page/").status_code == 404


def test_the_demo_server_serves_a_notice_whose_url_is_japanese(
    site_tree: SiteTree, dist: Path
) -> None:
    NoticePageFactory(parent=site_tree.notices, slug="説明会のご案内", title="説明会のご案内です")
    build(full=True)
    assert (dist / "notices/説明会のご案内/index.html").is_file()
    server = make_server("127.0.0.1", 0, StaticSite(dist), handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with urllib.request.urlopen(f"{base}/notices/{quote('説明会のご案内')}/") as response:
            assert response.status == 200
            assert "説明会のご案内です" in response.read().decode()
        # Without the trailing slash: redirected to the same (percent-encoded) URL with it.
        with urllib.request.urlopen(f"{base}/notices/{quote('説明会のご案内')}") as response:
            assert response.url == f"{base}/notices/{quote('説明会のご案内')}/"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/notices/{quote('別のお知らせ')}/")
        assert missing.value.code == 404
        with pytest.raises(urllib.error.HTTPError) as not_utf8:
            urllib.request.urlopen(f"{base}/notices/%FF%FE/")
        assert not_utf8.value.code == 404
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass
