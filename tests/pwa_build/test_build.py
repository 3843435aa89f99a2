"""The full build: every public page with its content, nothing private, a constant query count."""

import json
import re
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jinja2 import ChoiceLoader, DictLoader, FileSystemLoader, UndefinedError

from cms.content.models import PressReleasePage
from pwa_build import site_files
from pwa_build.build import build
from pwa_build.render import jinja_environment
from tests.content.factories import NoticePageFactory

from .conftest import SiteTree, read_all
from .counted import in_a_fresh_process


def test_every_public_page_is_written_with_its_content(site_tree: SiteTree, dist: Path) -> None:
    build(full=True)
    home = (dist / "index.html").read_text()
    assert site_tree.home.title in home and "県庁見学会のご案内" in home
    notice = (dist / "notices/open-day/index.html").read_text()
    assert "県庁見学会のご案内" in notice and "見学会の本文です" in notice
    assert "土木技師の募集" in (dist / "jobs/civil/index.html").read_text()
    jobs = (dist / "jobs/index.html").read_text()
    assert "募集中" in jobs and "募集予定" in jobs and "募集終了" in jobs
    assert "アルムナイネットワーク開設" in (dist / "press/launch/index.html").read_text()
    assert "このサイトについて" in (dist / "about/index.html").read_text()
    survey = (dist / "survey/index.html").read_text()
    assert "カムバック意向アンケート" in survey and "/app/survey/?id=" in survey
    assert "県庁見学会のご案内" in (dist / "notices/category/other/index.html").read_text()
    for name in ("offline/index.html", "404.html", "sitemap.xml", "feed.xml", "robots.txt"):
        assert (dist / name).is_file(), name


def test_drafts_and_members_only_notices_never_reach_dist(site_tree: SiteTree, dist: Path) -> None:
    build(full=True)
    everything = read_all(dist)
    for secret in ("会員限定の秘密のお知らせ", "会員限定の概要", "会員限定の本文", "members-only"):
        assert secret not in everything
    for draft in ("下書きのお知らせ", "下書きの本文"):
        assert draft not in everything
    assert not (dist / "notices/members-only").exists()
    assert not (dist / "notices/draft").exists()


def test_query_count_of_a_full_build_does_not_grow_with_the_pages(
    site_tree: SiteTree, dist: Path
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            build(full=True)
        return len(captured)

    build(full=True)
    # New pages are tried before the plan (a few queries, whatever their number).
    NoticePageFactory(parent=site_tree.notices, slug="bulk-first", body=[])
    few = queries()
    for n in range(45):
        NoticePageFactory(parent=site_tree.notices, slug=f"bulk-{n}", body=[])
    assert queries() == few


def test_a_build_that_fails_half_way_leaves_the_previous_site(
    site_tree: SiteTree, dist: Path
) -> None:
    build(full=True)
    before = {p: p.read_bytes() for p in dist.rglob("*") if p.is_file()}
    target = dist.resolve()
    NoticePageFactory(parent=site_tree.notices, slug="breaks", title="壊れるお知らせ")
    env = jinja_environment()
    # A list (not a page of the tree) failing fails the whole build.
    failing_list = (
        '{% extends "base.html" %}{% block content %}{{ missing.attribute }}{% endblock %}'
    )
    broken = env.overlay(
        loader=ChoiceLoader(
            [DictLoader({"pages/notice_index_page.html": failing_list}), env.loader]
        )
    )
    for full in (True, False):
        with pytest.raises(UndefinedError):
            build(full=full, environment=broken)
        assert dist.resolve() == target
        assert {p: p.read_bytes() for p in dist.rglob("*") if p.is_file()} == before
        assert sorted(d.name for d in dist.parent.iterdir() if d.name.startswith("dist.")) == [
            target.name
        ]


def test_html_has_no_inline_script_or_style_and_assets_are_hashed(
    site_tree: SiteTree, dist: Path
) -> None:
    build(full=True)
    pages = list(dist.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        html = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page
        assert "<style" not in html and " style=" not in html, page
        for url in re.findall(r"/assets/[^\s\"'>]+", html):
            assert re.search(r"\.[0-9a-f]{10}\.\w+$", url), url
            assert (dist / url.lstrip("/")).is_file(), url


def test_manifest_makes_an_installable_japanese_app(site_tree: SiteTree, dist: Path) -> None:
    build(full=True)
    manifest = json.loads((dist / "manifest.webmanifest").read_text())
    assert manifest["lang"] == "ja" and manifest["display"] == "standalone"
    assert manifest["name"] == settings.SITE_NAME and manifest["short_name"]
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert (dist / icon["src"].lstrip("/")).is_file()
    home = (dist / "index.html").read_text()
    assert "apple-touch-icon" in home and "apple-mobile-web-app-capable" in home
    assert (dist / "apple-touch-icon.png").is_file() and (dist / "favicon.ico").is_file()


def test_service_worker_precaches_the_shell_with_revisions(site_tree: SiteTree, dist: Path) -> None:
    build(full=True)
    sw = (dist / "sw.js").read_text()
    precache = json.loads(re.search(r"const PRECACHE = (.*);", sw).group(1))  # type: ignore[union-attr]
    urls = dict(precache)
    assert urls.get("/offline/")
    css = [u for u in urls if u.startswith("/assets/css/site.")]
    assert css and (dist / css[0].lstrip("/")).is_file()
    assert 'addEventListener("push"' in sw and "notificationclick" in sw


def test_a_page_with_a_japanese_slug_is_listed_percent_encoded_in_the_sitemap(
    site_tree: SiteTree, dist: Path
) -> None:
    NoticePageFactory(parent=site_tree.notices, slug="説明会のご案内", title="説明会のご案内")

    build(full=True)

    sitemap = (dist / "sitemap.xml").read_text()
    base = settings.PWA_BASE_URL
    encoded = "%E8%AA%AC%E6%98%8E%E4%BC%9A%E3%81%AE%E3%81%94%E6%A1%88%E5%86%85"
    assert f"<loc>{base}/notices/{encoded}/</loc>" in sitemap
    assert "説明会" not in sitemap
    assert (dist / "notices/説明会のご案内/index.html").is_file()


def test_the_line_breaks_of_a_press_release_contact_reach_the_page(
    site_tree: SiteTree, dist: Path
) -> None:
    """The contact is shown with `white-space: pre-line`: the page keeps HR's line breaks as
    written (a minifier that folded them made one run-on line of department, phone and mail)."""
    press = PressReleasePage.objects.get()
    press.contact = "総務部 人事課\n電話 022-211-0000\nメール jinji@example.jp"
    press.save_revision().publish()
    build(full=True)
    html = (dist / "press/launch/index.html").read_text()
    assert (
        '<p class="contact">総務部 人事課\n電話 022-211-0000\nメール jinji@example.jp</p>' in html
    )


def test_sitemap_feed_and_meta_use_the_base_url(site_tree: SiteTree, dist: Path) -> None:
    build(full=True)
    base = settings.PWA_BASE_URL
    sitemap = (dist / "sitemap.xml").read_text()
    assert f"<loc>{base}/notices/open-day/</loc>" in sitemap
    feed = (dist / "feed.xml").read_text()
    assert "県庁見学会のご案内" in feed and f"{base}/notices/open-day/" in feed
    notice = (dist / "notices/open-day/index.html").read_text()
    assert f'<link rel="canonical" href="{base}/notices/open-day/">' in notice
    assert "og:title" in notice and "twitter:card" in notice
    assert f"Sitemap: {base}/sitemap.xml" in (dist / "robots.txt").read_text()


def test_headers_are_strict_and_netlify_toml_carries_the_same(
    site_tree: SiteTree, dist: Path
) -> None:
    build(full=True)
    headers = (dist / "_headers").read_text()
    assert "Content-Security-Policy:" in headers and "unsafe-inline" not in headers
    for needle in (
        "frame-ancestors 'none'",
        "Strict-Transport-Security",
        "X-Content-Type-Options: nosniff",
        "Referrer-Policy",
        "Permissions-Policy",
        "immutable",
    ):
        assert needle in headers
    committed = tomllib.loads((Path(settings.BASE_DIR) / "netlify.toml").read_text())
    assert committed == tomllib.loads(site_files.netlify_toml())
    rules = {rule["for"]: rule["values"] for rule in committed["headers"]}
    assert rules == dict(site_files.header_rules())
    assert committed["build"]["publish"] == "dist"


def test_every_app_screen_is_rendered_in_the_base_layout(
    site_tree: SiteTree, dist: Path, tmp_path: Path
) -> None:
    app_dir = tmp_path / "templates" / "app"
    app_dir.mkdir(parents=True)
    (app_dir / "hello.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>こんにちは画面</h1>{% endblock %}'
        "{% block scripts %}<script src=\"{{ asset('js/app.js') }}\" defer></script>{% endblock %}"
    )
    env = jinja_environment()
    screens = env.overlay(
        loader=ChoiceLoader([FileSystemLoader(str(tmp_path / "templates")), env.loader])
    )
    build(full=True, environment=screens, app_dir=app_dir)
    html = (dist / "app/hello/index.html").read_text()
    assert "こんにちは画面" in html and 'id="main"' in html and "manifest.webmanifest" in html


def test_a_build_in_worker_processes_writes_the_same_site(
    committed: None, site_tree: SiteTree, dist: Path
) -> None:
    """The workers are forked from a fresh process, as from `build_pwa` or the pwa task worker:
    not from this test process, whose other threads (pytest-xdist's, a live server's) could
    hold a lock at the fork that the child would then wait for forever."""

    def files() -> dict[str, bytes]:
        return {
            p.relative_to(dist).as_posix(): p.read_bytes() for p in dist.rglob("*") if p.is_file()
        }

    build(full=True, workers=1)
    alone = files()
    report = in_a_fresh_process(dist, "--full", "--workers", "2")
    assert report["written"] == [] and report["unchanged"] > 10
    assert files() == alone
