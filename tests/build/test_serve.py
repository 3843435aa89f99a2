"""Wagtail's own serving of a live page: the build's renderer fed with that one page's data."""

from pathlib import Path

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pwa_build.build import build
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
