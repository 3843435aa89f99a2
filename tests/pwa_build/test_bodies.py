"""Bodies with page links, document links, images and link buttons: resolved in bulk, images in dist/."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import wagtail_factories
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from cms.content.models import PressReleasePage
from pwa_build.build import build
from tests.content.factories import NoticePageFactory, StandardPageFactory

from .conftest import SiteTree


@pytest.fixture
def media(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "media"
    with override_settings(MEDIA_ROOT=root):
        yield root


def linked_body(site_tree: SiteTree, document: Any, image: Any) -> list[dict[str, Any]]:
    public, members = site_tree.public_notice, site_tree.members_notice
    return [
        {
            "type": "paragraph",
            "value": (
                f'<p><a linktype="page" id="{public.pk}">見学会へ</a>と'
                f'<a linktype="document" id="{document.pk}">募集要項</a>と'
                f'<a linktype="page" id="{members.pk}">会員向け</a></p>'
            ),
        },
        {"type": "image", "value": {"image": image.pk, "decorative": False, "alt_text": "庁舎"}},
        {"type": "button", "value": {"label": "見学会を見る", "page": public.pk, "url": ""}},
        {
            "type": "button",
            "value": {"label": "県のサイト", "page": None, "url": "https://example.jp/"},
        },
    ]


@pytest.fixture
def linked_site(site_tree: SiteTree, media: Path, dist: Path) -> SiteTree:
    image = wagtail_factories.ImageFactory(title="県庁舎")
    document = wagtail_factories.DocumentFactory(title="募集要項")
    StandardPageFactory(
        parent=site_tree.home,
        slug="links",
        title="リンク集",
        body=linked_body(site_tree, document, image),
    )
    press = PressReleasePage.objects.get()
    press.og_image = image
    press.save_revision().publish()
    return site_tree


def test_links_documents_images_and_buttons_are_resolved(linked_site: SiteTree, dist: Path) -> None:
    build(full=True)
    html = (dist / "links/index.html").read_text()
    assert re.search(r'<a href="/notices/open-day/">見学会へ</a>', html)
    document = re.search(r'<a href="?([^ >"]+)"?>募集要項</a>', html)
    assert document and document.group(1).startswith(settings.API_ORIGIN + "/documents/")
    assert "<a>会員向け</a>" in html  # members-only: the text stays, the link does not
    assert re.search(r'class="button" href="/notices/open-day/">見学会を見る', html)
    assert 'href="https://example.jp/">県のサイト' in html
    image = re.search(r'<img [^>]*src="(/assets/media/[^"]+)"', html)
    assert image and re.search(r"\.[0-9a-f]{10}\.\w+$", image.group(1))
    assert (dist / image.group(1).lstrip("/")).is_file()
    assert 'alt="庁舎"' in html


def test_no_page_of_dist_links_to_the_cms_media(linked_site: SiteTree, dist: Path) -> None:
    build(full=True)
    for page in dist.rglob("*.html"):
        assert "/media/" not in page.read_text().replace("/assets/media/", ""), page


def test_the_ogp_image_of_a_press_release_is_a_copy_under_the_base_url(
    linked_site: SiteTree, dist: Path
) -> None:
    build(full=True)
    html = (dist / "press/launch/index.html").read_text()
    og = re.search(r'<meta property="og:image" content="([^"]+)">', html)
    assert og, html
    assert og.group(1).startswith(settings.PWA_BASE_URL + "/assets/media/")
    assert (dist / og.group(1).removeprefix(settings.PWA_BASE_URL + "/")).is_file()


def test_an_image_no_longer_shown_is_removed_by_the_incremental_build(
    linked_site: SiteTree, dist: Path
) -> None:
    build(full=True)
    links = linked_site.home.get_children().get(slug="links").specific
    shown = {p.relative_to(dist).as_posix() for p in (dist / "assets/media").iterdir()}
    links.body = [{"type": "paragraph", "value": "<p>画像なし</p>"}]
    links.save_revision().publish()
    press = PressReleasePage.objects.get()
    press.og_image = None
    press.save_revision().publish()
    report = build()
    assert not report.full
    assert sorted(shown) == sorted(p for p in report.removed if p.startswith("assets/media/"))
    assert not any((dist / path).exists() for path in shown)


def test_query_count_with_linked_bodies_does_not_grow_with_the_pages(
    linked_site: SiteTree, dist: Path
) -> None:
    document = wagtail_factories.DocumentFactory(title="別の要項")
    images = [wagtail_factories.ImageFactory(title=f"写真{n}") for n in range(3)]

    def add_notices(count: int, start: int) -> None:
        for n in range(start, start + count):
            NoticePageFactory(
                parent=linked_site.notices,
                slug=f"linked-{n}",
                body=linked_body(linked_site, document, images[n % len(images)]),
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            build(full=True)
        return len(captured)

    add_notices(3, 0)
    build(full=True)  # renditions made once, as on any site that has built before
    add_notices(1, 3)  # new pages are tried before the plan (a few queries, whatever their number)
    few = queries()
    add_notices(30, 4)
    assert queries() == few
