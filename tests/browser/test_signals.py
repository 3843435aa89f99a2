"""Engagement signals end to end in Chromium at 390 px, against the built dist/ and a live API on
one origin: the page-view beacon, a push click in the service worker, a mail link, the same-
origin-only rule over every page type, and 「自分のデータ」 with its analysis switch."""

import datetime as dt
import importlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.analytics.models import PageViewCount, Signal, SignalMonthly, SignalType
from cms.content.models import JobPage, NoticePage, StandardPage
from cms.push.models import Channel, Delivery, DeliveryStatus
from cms.push.services import notice_push_bytes, vapid_key_create
from tests.alumni.factories import AlumnusFactory
from tests.browser.conftest import service_worker_registration, wait_until
from tests.browser.live_api import pwa_api_origin
from tests.browser.screens import axe_violations, screenshot, small_tap_targets

pytestmark = pytest.mark.browser


@dataclass
class LiveSite:
    url: str
    notice: NoticePage
    job: JobPage
    page: StandardPage


def _rows_of_data_migrations() -> None:
    """Rows the data migrations made, which a transactional test's flush removed."""
    from django.apps import apps
    from wagtail.models import Locale, Page

    Locale.objects.get_or_create(language_code="ja")
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root"))
    importlib.import_module("cms.content.migrations.0002_default_categories").create_categories(
        apps, None
    )


@pytest.fixture(scope="module", autouse=True)
def django_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop in this thread (see test_push_ui)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def site(
    migrated_data_left_behind: None,
    transactional_db: None,
    django_db_serialized_rollback: None,
    settings: Any,
    tmp_path: Path,
) -> Iterator[LiveSite]:
    """The PWA built from a notice, a job posting, a press release and a standard page, served
    with /api/v1/ on one loopback origin."""
    from pwa_build.build import build
    from tests.content.factories import (
        JobIndexPageFactory,
        JobPageFactory,
        NoticeIndexPageFactory,
        NoticePageFactory,
        PressReleaseIndexPageFactory,
        PressReleasePageFactory,
        StandardPageFactory,
        make_site,
    )

    with pwa_api_origin(tmp_path / "dist", settings) as base:
        _rows_of_data_migrations()
        home = make_site()
        notice = NoticePageFactory(
            parent=NoticeIndexPageFactory(parent=home), slug="tour", title="県庁見学会のご案内"
        )
        job = JobPageFactory(
            parent=JobIndexPageFactory(parent=home), slug="civil", title="土木技師の募集"
        )
        PressReleasePageFactory(parent=PressReleaseIndexPageFactory(parent=home), slug="launch")
        standard = StandardPageFactory(parent=home, slug="about")
        vapid_key_create()
        build(full=True, dist=settings.PWA_DIST_DIR)
        yield LiveSite(base, notice, job, standard)


def sign_in(page: Any, site: LiveSite, **fields: Any) -> Alumnus:
    """An alumnus whose session cookie the browser holds (as after the code login)."""
    alumnus: Alumnus = AlumnusFactory(**fields)
    client = Client()
    client.force_login(alumnus.user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": site.url}]
    )
    return alumnus


def read(page: Any, site: LiveSite, path: str) -> None:
    """Open a page and wait until it asked the session (the beacon is armed then)."""
    page.goto(site.url + path)
    wait_until(page, "() => window.AlumniSignals && window.AlumniSignals.armed()")


def wait_for_rows(query: Any, count: int) -> None:
    """Until the beacons (sent as pages hide) have been stored."""
    for _ in range(150):
        if query.count() >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{query.count()} rows, expected {count}")


def test_pages_of_dist_send_their_views_to_the_api_and_nowhere_else(
    page: Any, site: LiveSite
) -> None:
    page.context.clear_cookies()
    alumnus = sign_in(page, site, consent_analytics=True)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    beacons: list[Any] = []
    page.on(
        "request",
        lambda request: beacons.append(request) if request.url.endswith("/signals") else None,
    )
    for path in (
        "/",
        site.notice.url,
        site.job.url,
        "/press/launch/",
        site.page.url,
        "/notices/",
        "/jobs/",
        "/app/",
        "/app/feed/",
    ):
        read(page, site, path)
    page.goto(site.url + "/app/help/")  # leaving the last page sends its batch too
    wait_for_rows(Signal.objects.filter(alumnus=alumnus, content_id=site.page.pk), 1)
    stored = set(Signal.objects.values_list("type", "content_kind", "content_id"))
    assert (SignalType.PAGE_VIEW, "notice", site.notice.pk) in stored
    assert (SignalType.JOB_VIEWED, "job", site.job.pk) in stored
    assert (SignalType.PAGE_VIEW, "page", site.page.pk) in stored
    assert any(kind == "press" for _, kind, _ in stored)
    assert beacons and all(
        request.method == "POST"
        and (request.header_value("content-type") or "").startswith("text/plain")
        for request in beacons
    )
    origins = {urlsplit(url).netloc for url in requested if url.startswith("http")}
    assert origins == {urlsplit(site.url).netloc}
    assert not any(alumnus.email in url or "alumnus" in url for url in requested)


def test_without_consent_a_view_is_only_counted_for_the_page(page: Any, site: LiveSite) -> None:
    page.context.clear_cookies()
    sign_in(page, site, consent_analytics=False)
    read(page, site, site.notice.url)
    page.goto(site.url + "/app/help/")
    wait_for_rows(PageViewCount.objects.all(), 1)
    assert not Signal.objects.exists()
    assert PageViewCount.objects.get().content_id == site.notice.pk


def test_a_mail_link_records_an_open_and_marks_the_delivery(page: Any, site: LiveSite) -> None:
    page.context.clear_cookies()
    alumnus = sign_in(page, site, consent_analytics=True)
    delivery = Delivery.objects.create(
        item=site.notice,
        alumnus=alumnus,
        channel=Channel.EMAIL,
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
    )
    read(page, site, site.notice.url + "?via=email")
    page.goto(site.url + "/app/help/")
    wait_for_rows(Signal.objects.filter(type=SignalType.NOTICE_OPENED), 1)
    assert Signal.objects.get(type=SignalType.NOTICE_OPENED).channel == "email"
    delivery.refresh_from_db()
    assert delivery.opened_at is not None


def test_a_push_click_in_the_service_worker_records_an_open(page: Any, site: LiveSite) -> None:
    page.context.clear_cookies()
    alumnus = sign_in(page, site, consent_analytics=True)
    delivery = Delivery.objects.create(
        item=site.notice,
        alumnus=alumnus,
        channel=Channel.PUSH,
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
    )
    page.context.grant_permissions(["notifications"], origin=site.url)
    page.goto(site.url + "/app/help/")
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    cdp, registration_id = service_worker_registration(page, site.url)
    for _attempt in range(5):  # a worker still starting up may miss the first message
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": site.url,
                "registrationId": registration_id,
                "data": notice_push_bytes(notice=site.notice).decode("utf-8"),
            },
        )
        try:
            wait_until(
                page,
                """async () => {
                    const reg = await navigator.serviceWorker.ready;
                    return (await reg.getNotifications()).length > 0;
                }""",
                timeout=3.0,
            )
            break
        except AssertionError:
            continue
    worker = next(w for w in page.context.service_workers if w.url == site.url + "/sw.js")
    worker.evaluate(
        """async () => {
            const [notification] = await self.registration.getNotifications();
            self.dispatchEvent(new NotificationEvent("notificationclick", {notification}));
        }"""
    )
    wait_for_rows(Signal.objects.filter(type=SignalType.NOTICE_OPENED, channel="push"), 1)
    signal = Signal.objects.get(type=SignalType.NOTICE_OPENED)
    assert (signal.alumnus_id, signal.content_id) == (alumnus.pk, site.notice.pk)
    delivery.refresh_from_db()
    assert delivery.opened_at is not None


def test_my_data_shows_my_views_and_stopping_deletes_them(page: Any, site: LiveSite) -> None:
    page.context.clear_cookies()
    alumnus = sign_in(page, site, consent_analytics=True, birth_date=dt.date(1985, 4, 1))
    read(page, site, site.notice.url)
    read(page, site, site.job.url)
    page.goto(site.url + "/app/mydata/")
    wait_for_rows(Signal.objects.filter(alumnus=alumnus), 2)
    page.reload()
    signals = page.locator('[data-section="signals"]')
    signals.locator("table").first.wait_for(state="visible")
    text = signals.inner_text()
    assert "県庁見学会のご案内" in text and "土木技師の募集" in text
    assert "利用目的" in text and "保存期間" in text
    # 生年月日 in 和暦 as the home and the registration write it, the Western year beside it.
    born = page.locator('[data-section="profile"] tr', has_text="生年月日").locator("td")
    assert born.inner_text() == "昭和60年（1985年）4月1日"
    assert "削除" in page.locator("#analysis-stop-effect").inner_text()
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV をダウンロード（Excel 用）").click()
    assert download.value.suggested_filename.startswith("my-data-")
    assert download.value.suggested_filename.endswith(".csv")
    assert axe_violations(page) == []
    assert small_tap_targets(page) == []
    screenshot(page, "mydata")

    # Stopping asks first, saying what goes; やめる sends nothing and deletes nothing.
    stop = page.get_by_role("button", name="分析への利用を止める（記録を削除）")
    confirm = page.locator("#analysis-confirm")
    patches = []
    page.on("request", lambda r: patches.append(r.url) if r.method == "PATCH" else None)
    stop.click()
    confirm.wait_for(state="visible")
    assert "これまでの記録を削除しますか" in confirm.inner_text()
    assert "元に戻せません" in confirm.inner_text()
    assert stop.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.id") == "analysis-confirm-question"
    assert axe_violations(page) == []
    assert small_tap_targets(page) == []
    screenshot(page, "mydata-stop-confirm")
    page.get_by_role("button", name="やめる").click()
    confirm.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == "analysis-toggle"
    assert "削除していません" in page.locator("#analysis-status").inner_text()
    page.keyboard.press("Enter")  # opened again from the keyboard, closed with Escape
    confirm.wait_for(state="visible")
    page.keyboard.press("Escape")
    confirm.wait_for(state="hidden")
    page.wait_for_timeout(300)
    assert patches == []
    assert Signal.objects.filter(alumnus=alumnus).count() >= 2
    alumnus.refresh_from_db()
    assert alumnus.consent_analytics

    stop.click()
    page.get_by_role("button", name="止めて削除する").click()
    page.get_by_role("button", name="分析への利用に同意する").wait_for(state="visible")
    assert confirm.is_hidden()
    assert "削除しました" in page.locator("#analysis-status").inner_text()
    assert "ありません" in page.locator('[data-section="signals"]').inner_text()
    assert not Signal.objects.filter(alumnus=alumnus).exists()
    assert not SignalMonthly.objects.filter(alumnus=alumnus).exists()
    read(page, site, site.notice.url)
    page.goto(site.url + "/app/help/")
    wait_for_rows(PageViewCount.objects.all(), 1)
    assert not Signal.objects.filter(alumnus=alumnus).exists()
    assert axe_violations(page) == []
