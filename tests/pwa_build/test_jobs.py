"""Job postings as the build writes them: status badges that differ per status, the conditions,
how to apply (a link, a form to download) and a contact on each posting."""

import datetime as dt
import re
from pathlib import Path

import wagtail_factories
from django.conf import settings

from cms.content.models import JobIndexPage
from pwa_build.build import build
from tests.content.factories import JobPageFactory

from .conftest import SiteTree

# The site tree's job `civil` runs 2026-10-01 to 2026-10-31; these three are built on 2026-10-15.
TODAY = dt.date(2026, 10, 15)


def _postings(site_tree: SiteTree) -> None:
    index = JobIndexPage.objects.get()
    form = wagtail_factories.DocumentFactory(title="申込書（保健師）")
    JobPageFactory(
        parent=index,
        slug="nurse",
        title="保健師 カムバック採用",
        work_location="保健福祉事務所（石巻）",
        pay_and_benefits="月給 約23万円〜37万円\n地域手当、扶養手当",
        working_pattern="週5日 8時30分〜17時15分\n土日祝日は休み",
        apply_url="https://apply.example.jp/nurse",
        application_form=form,
        contact_department="保健福祉部 保健福祉総務課",
        contact_phone="022-211-2500",
        contact_email="hoken@example.jp",
        contact_hours="平日 9時〜17時",
    )
    JobPageFactory(
        parent=index,
        slug="later",
        title="来月からの募集",
        application_opens=dt.date(2026, 11, 1),
        application_closes=dt.date(2026, 11, 30),
    )
    JobPageFactory(
        parent=index,
        slug="ended",
        title="終わった募集",
        application_opens=dt.date(2026, 8, 1),
        application_closes=dt.date(2026, 8, 31),
        application_form=form,
    )


def _status_classes(html: str) -> list[str]:
    return re.findall(r'class="job-status (job-status-\w+)">([^<]+)<', html)


def _links(html: str) -> dict[str, str]:
    """Each link's text (its first text node) -> its href, as the minified page has them."""
    return {
        text: href
        for href, text in re.findall(r'<a\b[^>]*\bhref="?([^"\s>]+)"?[^>]*>([^<]+)', html)
    }


def test_a_built_posting_shows_its_conditions_how_to_apply_and_its_contact(
    site_tree: SiteTree, dist: Path
) -> None:
    _postings(site_tree)
    build(full=True, today=TODAY)
    page = (dist / "jobs/nurse/index.html").read_text()
    for shown in (
        "勤務地",
        "保健福祉事務所（石巻）",
        "給与・処遇",
        "月給 約23万円〜37万円<br>地域手当、扶養手当",
        "勤務形態",
        "週5日 8時30分〜17時15分<br>土日祝日は休み",
        "保健福祉部 保健福祉総務課",
        "受付時間：平日 9時〜17時",
    ):
        assert shown in page, shown
    assert _status_classes(page) == [("job-status-open", "募集中")]
    links = _links(page)
    assert links["申込ページを開く"] == "https://apply.example.jp/nurse"
    assert links["申込書をダウンロード"].startswith(settings.API_ORIGIN + "/documents/")
    assert "申込書（保健師）" in page
    assert links["電話 022-211-2500"] == "tel:022-211-2500"
    assert links["メールを送る"] == "mailto:hoken@example.jp"


def test_each_status_has_its_own_class_and_label_in_the_list(
    site_tree: SiteTree, dist: Path
) -> None:
    _postings(site_tree)
    build(full=True, today=TODAY)
    listing = (dist / "jobs/index.html").read_text()
    badges = set(_status_classes(listing))
    assert badges == {
        ("job-status-open", "募集中"),
        ("job-status-upcoming", "募集予定"),
        ("job-status-closed", "募集終了"),
    }
    assert "勤務地：保健福祉事務所（石巻）" in listing
    upcoming = (dist / "jobs/later/index.html").read_text()
    assert _status_classes(upcoming) == [("job-status-upcoming", "募集予定")]
    assert "受付は2026年11月1日（日）から始まります。" in upcoming


def test_a_closed_posting_offers_no_apply_link_or_form(site_tree: SiteTree, dist: Path) -> None:
    _postings(site_tree)
    build(full=True, today=TODAY)
    page = (dist / "jobs/ended/index.html").read_text()
    assert _status_classes(page) == [("job-status-closed", "募集終了")]
    assert "この求人の受付は2026年8月31日（月）で終了しました。" in page
    assert "申込ページを開く" not in page and "申込書をダウンロード" not in page
    assert "問い合わせ先" in page
