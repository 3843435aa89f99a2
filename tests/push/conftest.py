"""Shared setup of the push tests: a site with a notice index, a VAPID key, publishing; real
`task_worker` processes on the test database."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from cms.content.models import NoticeIndexPage, NoticePage
from cms.push.models import PushSubscription, VapidKey
from cms.push.services import vapid_key_create
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site
from tests.fixtures.push_service import LocalPushService, TestSubscription


@pytest.fixture
def notice_index(db: None) -> NoticeIndexPage:
    index: NoticeIndexPage = NoticeIndexPageFactory(parent=make_site())
    return index


@pytest.fixture
def vapid_key(db: None) -> VapidKey:
    return vapid_key_create()[0]


@pytest.fixture
def publish(
    notice_index: NoticeIndexPage, django_capture_on_commit_callbacks: Any
) -> Callable[..., NoticePage]:
    """Create (or take) a notice and publish it as an editor would; on-commit work runs."""

    def _publish(notice: NoticePage | None = None, **fields: Any) -> NoticePage:
        if notice is None:
            fields.setdefault("notify_alumni", True)
            notice = NoticePageFactory(parent=notice_index, live=False, **fields)
        with django_capture_on_commit_callbacks(execute=True):
            notice.save_revision().publish()
        notice.refresh_from_db()
        return notice

    return _publish


@pytest.fixture
def subscribe(push_service: LocalPushService) -> Callable[..., TestSubscription]:
    """A subscription on the local push service, stored for `alumnus`."""

    def _subscribe(alumnus: Any, **behaviour: Any) -> TestSubscription:
        sub = push_service.subscription(**behaviour)
        PushSubscription.objects.create(
            alumnus=alumnus, endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth
        )
        return sub

    return _subscribe


ROOT = Path(__file__).resolve().parent.parent.parent
DATABASE_QUEUE = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "pwa", "mail"]}
}
# An idle worker looks for a task five times a second (at twenty it spent about 7 % of a core
# between the tasks, while the test waits for a lease to run out); each test's work is queued
# before its first worker starts, so no poll stands between the start and the work.
WORKER_OPTIONS = ["--interval", "0.2", "--no-startup-delay"]
LEASE = 2


@pytest.fixture
def real_commits(
    django_beside_playwright: None,
    migrated_data_left_behind: None,
    transactional_db: None,
    django_db_serialized_rollback: None,
) -> None:
    """The workers are other processes (or threads): what the test writes must be committed
    (after an earlier transactional test flushed Wagtail's root page, it is put back)."""
    from tests.browser.test_push_ui import _rows_of_data_migrations

    _rows_of_data_migrations()


def database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def start_worker(push_service: LocalPushService, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """`start(queue="default", **env)`: a `task_worker` process on the test database, its
    output in tmp_path/worker-N.log; those still running are stopped after the test."""
    started: list[subprocess.Popen[bytes]] = []
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "PUSH_CA_FILE": str(push_service.ca_file),
        "DELIVERY_LEASE_SECONDS": str(LEASE),
        "PUSH_CONCURRENCY_PER_SERVICE": "4",
    }

    def start(queue: str = "default", **more_env: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "task_worker", "--queue-name", queue, *WORKER_OPTIONS],
            cwd=ROOT,
            env=env | more_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until(check: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
