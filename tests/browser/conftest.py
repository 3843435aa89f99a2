"""One built site served on loopback and, per pytest-xdist worker, the Chromiums of the session:
a persistent context (`page`) and a plain browser for tests with contexts of their own
(`chromium`), each launched once per worker; a test gets fresh contexts and its contexts are
closed after it. `in_browser_thread` scenarios get a Chromium of their own."""

import contextlib
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from wagtail.models import Locale, Page

from tests.browser.live_api import pwa_api_origin
from tests.fixtures.smtp import SMTPInbox
from tests.fixtures.staff_otp import complete_second_factor

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class TwoVersions:
    """The same site built twice for its own origin, the second time with a changed
    stylesheet (`first/`, `second/`): what a deploy looks like to an open page."""

    url: str
    port: int
    first: Path
    second: Path


@dataclass
class BuiltSite:
    url: str
    dist: Path
    versions: TwoVersions | None = None


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(root: Path, port: int) -> Any:
    """Serves the built site at `root` (a directory or a symlink to one) on loopback; returns the
    server (call `shutdown()` and `server_close()`)."""
    from pwa_build.devserver import StaticSite

    server = make_server(
        "127.0.0.1",
        port,
        StaticSite(root),
        server_class=_ThreadingServer,
        handler_class=_QuietHandler,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def demo_like_site() -> None:
    """Public pages of every type, plus a members-only notice that must stay out of dist/."""
    from cms.content.models import Visibility
    from cms.surveys.blocks import SCALE_DEFAULT_CHOICES
    from tests.content.factories import (
        JobIndexPageFactory,
        JobPageFactory,
        NoticeIndexPageFactory,
        NoticePageFactory,
        PressReleaseIndexPageFactory,
        PressReleasePageFactory,
        StandardPageFactory,
        SurveyPageFactory,
        make_site,
        question,
    )

    def body(text: str) -> list[dict[str, str]]:
        return [{"type": "paragraph", "value": f"<h2>概要</h2><p>{text}</p>"}]

    home = make_site()
    notices = NoticeIndexPageFactory(parent=home)
    for slug, title in (
        ("visited", "県庁見学会のご案内"),
        ("unvisited", "まだ開いていないお知らせ"),
        ("pushed", "プッシュで届いたお知らせ"),
    ):
        NoticePageFactory(parent=notices, slug=slug, title=title, body=body(f"{title}の本文です。"))
    NoticePageFactory(
        parent=notices, slug="secret", title="会員限定", visibility=Visibility.MEMBERS
    )
    jobs = JobIndexPageFactory(parent=home)
    JobPageFactory(parent=jobs, slug="civil", title="土木技師（カムバック採用）")
    press = PressReleaseIndexPageFactory(parent=home)
    PressReleasePageFactory(
        parent=press, slug="launch", title="アルムナイネットワークを開設します", body=body("発表")
    )
    StandardPageFactory(parent=home, slug="about")
    SurveyPageFactory(
        parent=home,
        slug="survey",
        title="カムバック採用に関するアンケート",
        questions=[
            question("scale", "給与を重視しますか", SCALE_DEFAULT_CHOICES),
            question("short_text", "ご意見", required=False),
        ],
    )


@pytest.fixture(scope="session")
def built_site(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltSite]:
    """The PWA built from a small site (rolled back from the database afterwards), served by
    the same static server as `make demo`, with the same headers as netlify.toml. Also built,
    not served: the two versions of `TwoVersions`, from the same content (built here, at the
    start of the session, because later tests may empty the database)."""
    from pwa_build.build import build

    dist = tmp_path_factory.mktemp("browser") / "dist"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    versions_root = tmp_path_factory.mktemp("two-versions")
    versions_port = free_port()
    versions = TwoVersions(
        f"http://127.0.0.1:{versions_port}",
        versions_port,
        versions_root / "first",
        versions_root / "second",
    )
    static = versions_root / "static"
    shutil.copytree(Path(settings.BASE_DIR) / "site_templates" / "static", static)
    with (
        override_settings(PWA_DIST_DIR=dist, PWA_BASE_URL=base, API_ORIGIN=base),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        demo_like_site()
        build(full=True)
        with override_settings(PWA_BASE_URL=versions.url, API_ORIGIN=versions.url):
            build(full=True, dist=versions.first)
            css = static / "css" / "site.css"
            css.write_text(css.read_text() + "\n.site-footer { border-top-width: 2px; }\n")
            with override_settings(PWA_STATIC_DIR=static):
                build(full=True, dist=versions.second)
        transaction.set_rollback(True)
    server = serve(dist, port)
    yield BuiltSite(base, dist, versions)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    """Playwright for the session, driving Debian's Chromium (see `launch_chromium`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def launch_chromium(playwright: Any) -> Any:
    """A plain (non-persistent) Chromium, for contexts with their own device settings."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def worker_chromium(built_site: BuiltSite, playwright_driver: Any) -> Iterator[Any]:
    """One plain Chromium for the worker's session (a launch costs about a second of a busy
    core); tests get it through `chromium`. The session's built site is made first: once
    Playwright runs in this thread, Django takes the thread for an async context and that
    fixture's database work would be refused."""
    browser = launch_chromium(playwright_driver)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def chromium(worker_chromium: Any) -> Iterator[Any]:
    """The worker's plain Chromium for one test: each `new_context()` is fresh (no cookies,
    storage or service workers shared with another context), and the contexts the test opened
    are closed after it, so the next test starts from none."""
    try:
        yield worker_chromium
    finally:
        close_contexts(worker_chromium)


def close_contexts(browser: Any) -> None:
    """Closes every context of `browser`, keeping the browser itself (a context of a test
    that failed half-way may already be gone)."""
    for context in list(browser.contexts):
        with contextlib.suppress(Exception):  # already closed with its page or its browser
            context.close()


def in_browser_thread(scenario: Callable[[Any], None], timeout: float = 180.0) -> None:
    """Runs `scenario(browser)` with its own Playwright in a thread of its own: the session's
    persistent context already holds this thread's Playwright, and one context per alumnus
    needs a browser that can open more than one. (A Chromium kept for the worker's scenarios
    was tried: Wagtail's editor then never reported an edit in a later journey on PostgreSQL.)"""
    from playwright.sync_api import sync_playwright

    failure: list[BaseException] = []

    def run() -> None:
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                try:
                    scenario(browser)
                finally:
                    browser.close()
        except BaseException as error:  # re-raised in the test's thread
            failure.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise AssertionError("the browser scenario did not finish")
    if failure:
        raise failure[0]


@pytest.fixture(scope="session")
def browser_context(
    built_site: BuiltSite, playwright_driver: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """Chromium with a persistent profile (installability is not checked in incognito)."""
    context = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        locale="ja-JP",
        viewport={"width": 390, "height": 844},
    )
    context.grant_permissions(["notifications"], origin=built_site.url)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    page = browser_context.new_page()
    try:
        yield page
    finally:
        page.close()


def wait_until(page: Any, script: str, arg: Any = None, timeout: float = 20.0) -> Any:
    """Polls `script` (a JS function) until it returns something truthy. Playwright's own
    wait_for_function evaluates strings, which the site's CSP (no 'unsafe-eval') forbids."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {script} ({arg!r})")
        page.wait_for_timeout(100)


# Wagtail's page editor takes the form's starting point (w-unsaved:watch-edits) two seconds after
# each time its w-unsaved controller connects while it has none, and it connects twice: again when
# w-init takes itself off the form, a moment later (longer on a loaded machine). An edit made before
# the last of those starting points becomes part of it and is never seen; `editor_watching` waits
# for it. Added before the editor loads (`open_editor`), so no event goes unrecorded.
_EDITOR_EVENTS = """(() => {
  if (window.__editor) return;
  const editor = (window.__editor = {connects: 0, awaited: 0, starts: 0, edited: false});
  document.addEventListener('w-unsaved:ready', () => {
    editor.connects += 1;
    if (editor.starts === 0) editor.awaited += 1;  // a connect with no starting point yet sets one
  });
  document.addEventListener('w-unsaved:watch-edits', () => { editor.starts += 1; });
  document.addEventListener('w-unsaved:add', () => { editor.edited = true; });
})()"""


def open_editor(page: Any, url: str) -> None:
    """Opens Wagtail's page editor at `url` and returns once it watches the form for edits: every
    starting point it set out to take is taken, so what is typed next is seen as an edit."""
    page.add_init_script(_EDITOR_EVENTS)
    page.goto(url)
    wait_until(
        page,
        "() => window.__editor.starts > 0 && window.__editor.starts >= window.__editor.awaited",
        timeout=60,
    )


def wait_for_edit_seen(page: Any) -> None:
    """Until Wagtail has announced an edit in the editor opened with `open_editor` (w-unsaved:add,
    which also starts its autosave timer)."""
    wait_until(page, "() => window.__editor.edited", timeout=60)


def service_worker_registration(page: Any, origin: str) -> tuple[Any, str]:
    """A DevTools session on `page` and the id of the service worker registration of `origin`
    (what ServiceWorker.deliverPushMessage needs), as soon as Chromium has reported it."""
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 20.0
    while not (found := [r for r in registrations if r["scopeURL"] == origin + "/"]):
        if time.monotonic() > deadline:
            raise AssertionError(f"no service worker registration reported for {origin}")
        page.wait_for_timeout(20)
    return cdp, str(found[0]["registrationId"])


# A live PWA + API origin with a really committed database (registration, chat).


@pytest.fixture
def pwa_api_server(
    django_beside_playwright: None,
    migrated_data_left_behind: None,
    transactional_db: None,
    django_db_serialized_rollback: None,
    smtp: SMTPInbox,
    settings: Any,
    tmp_path: Path,
) -> Iterator[str]:
    """A live Django server thread on a free loopback port that serves a freshly built dist/
    and /api/v1/ from the same origin, with mail going to the test SMTP server. The database
    is really committed (the server thread reads it) and restored to its migrated state
    (Wagtail's root page) whatever earlier transactional tests flushed."""
    from pwa_build.build import build
    from tests.content.factories import make_site

    with pwa_api_origin(tmp_path / "dist", settings) as base:
        if Page.get_first_root_node() is None:  # an earlier transactional test flushed it
            Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
            Page.add_root(instance=Page(title="Root", slug="root"))
        make_site()
        build(full=True, dist=settings.PWA_DIST_DIR)
        yield base


# Wagtail's admin in the browser (HR's screens at 1366 px).

ADMIN_VIEWPORT = {"width": 1366, "height": 900}


@pytest.fixture
def admin_static(settings: Any) -> None:
    """Wagtail's admin scripts and styles served from the apps (a test run has no
    collectstatic); request it before `pwa_api_server`, whose start builds WhiteNoise."""
    settings.WHITENOISE_USE_FINDERS = True


def admin_sign_in(page: Any, base: str, username: str, password: str) -> None:
    """Signs in to the admin through its login form, as a member of staff does. The login page
    may be the first admin page the live server serves, which took over Playwright's 30 s to
    load at a load of 20–25 on 2 cores (Wagtail's admin loaded and its scripts and styles served
    one request at a time): it gets two minutes."""
    page.goto(f"{base}/admin/login/", timeout=120_000)
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="サインイン").click()
    complete_second_factor(page, username)  # HR's roles and superusers: the authenticator code
    page.wait_for_url(f"{base}/admin/")
