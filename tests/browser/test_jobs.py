"""Job postings on a 390 px phone: the list tells the three statuses apart by label, colour and
border; a posting shows its conditions, how to apply and whom to ask; axe and tap targets clean."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import wagtail_factories
from django.conf import settings
from django.db import connections, transaction
from django.test import override_settings
from django.utils import timezone
from wagtail.models import Locale, Page

from tests.browser.screens import axe_violations, screenshot, small_tap_targets
from tests.content.factories import JobIndexPageFactory, JobPageFactory, make_site

from .conftest import free_port, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def job_site(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One posting of each status (relative to today), built and served like the live site;
    the pages are rolled back once built (the tests read only the static files)."""
    from pwa_build.build import build

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    dist = tmp_path_factory.mktemp("jobs") / "dist"
    with pytest.MonkeyPatch.context() as patch:
        # Playwright may already hold an event loop in this thread (see django_beside_playwright).
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with (
            override_settings(PWA_DIST_DIR=dist, PWA_BASE_URL=base, API_ORIGIN=base),
            django_db_blocker.unblock(),
            transaction.atomic(),
        ):
            if Page.get_first_root_node() is None:  # an earlier transactional test flushed it
                Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
                Page.add_root(instance=Page(title="Root", slug="root"))
            _postings(timezone.localdate())
            build(full=True)
            transaction.set_rollback(True)
        # Opened beside Playwright's event loop, the connection is not the one the session's
        # teardown closes: closed here, or PostgreSQL cannot drop the test database.
        with django_db_blocker.unblock():
            connections.close_all()
    server = serve(dist, port)
    yield base
    server.shutdown()
    server.server_close()


def _postings(today: dt.date) -> None:
    jobs = JobIndexPageFactory(parent=make_site(), title="カムバック採用・求人")
    JobPageFactory(
        parent=jobs,
        slug="nurse",
        title="保健師 カムバック採用",
        summary="保健福祉事務所で、地域の健康づくりに携わります。",
        work_location="保健福祉事務所（石巻）",
        pay_and_benefits="月給 約23万円〜37万円\n地域手当、扶養手当、通勤手当",
        working_pattern="週5日 8時30分〜17時15分\n土日祝日は休み",
        application_opens=today - dt.timedelta(days=5),
        application_closes=today + dt.timedelta(days=30),
        apply_url="https://apply.example.jp/nurse",
        application_form=wagtail_factories.DocumentFactory(title="申込書（保健師）"),
        contact_department="保健福祉部 保健福祉総務課",
        contact_phone="022-211-2500",
        contact_email="hoken-saiyo@pref.miyagi.example.jp",
    )
    JobPageFactory(
        parent=jobs,
        slug="disaster",
        title="任期付職員（防災・危機管理）",
        application_opens=today + dt.timedelta(days=20),
        application_closes=today + dt.timedelta(days=50),
    )
    JobPageFactory(
        parent=jobs,
        slug="agriculture",
        title="技術職（農業普及）カムバック採用",
        application_opens=today - dt.timedelta(days=90),
        application_closes=today - dt.timedelta(days=30),
    )


BADGES = """() => Array.from(document.querySelectorAll('.job-status')).map((el) => {
  const style = getComputedStyle(el);
  return {label: el.textContent, colour: style.color, background: style.backgroundColor,
          border: style.borderTopStyle, visible: el.getBoundingClientRect().height > 0};
})"""


def test_the_job_list_tells_the_statuses_apart_on_a_phone(page: Any, job_site: str) -> None:
    page.goto(job_site + "/jobs/")
    badges = page.evaluate(BADGES)
    assert [b["label"] for b in badges] == ["募集中", "募集予定", "募集終了"]
    assert all(b["visible"] for b in badges)
    assert len({(b["colour"], b["background"]) for b in badges}) == 3
    assert len({b["border"] for b in badges}) == 3  # a second cue besides the colour
    assert "勤務地：保健福祉事務所（石巻）" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    assert small_tap_targets(page) == []
    screenshot(page, "jobs-list")


def test_a_posting_shows_conditions_how_to_apply_and_contact(page: Any, job_site: str) -> None:
    page.goto(job_site + "/jobs/")
    page.get_by_role("link", name="保健師 カムバック採用").click()
    page.wait_for_url("**/jobs/nurse/")
    conditions = page.locator("dl.job-conditions")
    for term, detail in (
        ("勤務地", "保健福祉事務所（石巻）"),
        ("給与・処遇", "月給 約23万円〜37万円\n地域手当、扶養手当、通勤手当"),
        ("勤務形態", "週5日 8時30分〜17時15分\n土日祝日は休み"),
    ):
        dt_ = conditions.locator("dt", has_text=term)
        assert dt_.is_visible()
        assert dt_.locator("xpath=following-sibling::dd[1]").inner_text() == detail
    apply = page.get_by_role("link", name="申込ページを開く")
    assert apply.get_attribute("href") == "https://apply.example.jp/nurse"
    form = page.get_by_role("link", name="申込書をダウンロード")
    assert form.get_attribute("href").startswith(job_site + "/documents/")
    assert form.get_attribute("download") is not None
    phone = page.get_by_role("link", name="電話 022-211-2500")
    assert phone.get_attribute("href") == "tel:022-211-2500"
    mail = page.get_by_role("link", name="メールを送る hoken-saiyo@pref.miyagi.example.jp")
    assert mail.get_attribute("href") == "mailto:hoken-saiyo@pref.miyagi.example.jp"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    assert small_tap_targets(page) == []
    screenshot(page, "job-page")


def test_a_closed_posting_says_so_and_offers_no_application(page: Any, job_site: str) -> None:
    page.goto(job_site + "/jobs/agriculture/")
    assert page.locator(".job-status").inner_text() == "募集終了"
    assert "受付は" in page.locator(".job-note").inner_text()
    assert page.get_by_role("link", name="申込ページを開く").count() == 0
    assert axe_violations(page) == []
    screenshot(page, "job-page-closed")
