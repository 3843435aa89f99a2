"""A worker killed mid fan-out (SIGKILL, a real `task_worker` process): its lease runs out, the
sweeper queues the rest, a new worker finishes it, and every alumnus gets the notice once."""

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
from django.core.management import call_command
from django.db import connection
from django.db.models import QuerySet
from django.test import override_settings

from cms.content.models import NoticeIndexPage, NoticePage
from cms.push.models import Channel, Delivery, DeliveryStatus, PushSubscription, VapidKey
from cms.push.selectors import notice_delivery_figures
from cms.push.services import claims_sweep
from cms.push.tasks import notice_fan_out_task
from tests.content.factories import NoticePageFactory
from tests.fixtures.push_service import LocalPushService
from tests.groups.factories import AlumnusFactory

ROOT = Path(__file__).resolve().parent.parent.parent
DATABASE_QUEUE = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "pwa", "mail"]}
}
# An idle worker looks for a task five times a second (at twenty it spent about 7 % of a core
# between the tasks, while the test waits for a lease to run out); each test's fan-out is queued
# before its first worker starts, so no poll stands between the start and the work.
WORKER_OPTIONS = ["--queue-name", "default", "--interval", "0.2", "--no-startup-delay"]
LEASE = 2
ALUMNI = 24


@pytest.fixture
def real_commits(
    django_beside_playwright: None,
    migrated_data_left_behind: None,
    transactional_db: None,
    django_db_serialized_rollback: None,
) -> None:
    """The workers are other processes: what the test writes must be committed (after an
    earlier transactional test flushed Wagtail's root page, it is put back)."""
    from tests.browser.test_push_ui import _rows_of_data_migrations

    _rows_of_data_migrations()


def database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def start_worker(push_service: LocalPushService, tmp_path: Path) -> Iterator[Callable[[], Any]]:
    started: list[subprocess.Popen[bytes]] = []
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "PUSH_CA_FILE": str(push_service.ca_file),
        "DELIVERY_LEASE_SECONDS": str(LEASE),
        "PUSH_CONCURRENCY_PER_SERVICE": "4",
    }

    def start() -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "task_worker", *WORKER_OPTIONS],
            cwd=ROOT,
            env=env,
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


def _fan_out_held_after_ten(
    notice_index: NoticeIndexPage,
    push_service: LocalPushService,
    start_worker: Callable[[], subprocess.Popen[bytes]],
) -> tuple[NoticePage, list[Any], QuerySet[Delivery], subprocess.Popen[bytes]]:
    """A notice's fan-out to ALUMNI subscriptions on a real worker, which gets ten answers and
    records them (outcomes go down chunk by chunk as answers come back, not at the end) while
    the rest of its requests wait in the push service."""
    notice = NoticePageFactory(parent=notice_index, live=True, notify_alumni=True)
    subs = []
    for alumnus in AlumnusFactory.create_batch(ALUMNI, consent_email=False):
        sub = push_service.subscription()
        PushSubscription.objects.create(
            alumnus=alumnus, endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth
        )
        subs.append(sub)
    push_service.hold(after=10)
    with override_settings(TASKS=DATABASE_QUEUE):
        notice_fan_out_task.enqueue(notice.pk)
    worker = start_worker()
    pushes = Delivery.objects.filter(item=notice, channel=Channel.PUSH)
    wait_until(
        lambda: pushes.filter(status=DeliveryStatus.SENT).count() == 10 and push_service.held > 0,
        "the first ten recorded while the rest wait",
    )
    return notice, subs, pushes, worker


def test_killed_worker_is_finished_by_another_and_nobody_gets_the_notice_twice(
    real_commits: None,
    notice_index: NoticeIndexPage,
    vapid_key: VapidKey,
    push_service: LocalPushService,
    start_worker: Callable[[], subprocess.Popen[bytes]],
) -> None:
    notice, subs, pushes, first = _fan_out_held_after_ten(notice_index, push_service, start_worker)
    [figures] = notice_delivery_figures(notices=NoticePage.objects.filter(pk=notice.pk))
    assert figures.reached == 10  # the monitor sees what reached people while it goes on
    first.send_signal(signal.SIGKILL)  # an out-of-memory kill mid fan-out
    first.wait(timeout=10)
    # Restarted at once, as the supervisor does: its start-up overlaps the lease; it finds
    # nothing to take until the sweeper queues the rest.
    start_worker()
    time.sleep(0.5)  # the push service notices the dropped connections
    push_service.release()
    assert pushes.filter(status=DeliveryStatus.SENDING).count() == ALUMNI - 10

    # Within its lease the claim is the dead worker's still; past it the sweeper takes it back.
    with override_settings(TASKS=DATABASE_QUEUE):
        assert claims_sweep().deliveries == 0
        wait_until(
            lambda: (
                call_command("sweep_claims") is None
                and not pushes.filter(status=DeliveryStatus.SENDING).exists()
            ),
            "the lease to run out",
            timeout=LEASE + 30,
        )
    wait_until(
        lambda: pushes.filter(status=DeliveryStatus.SENT).count() == ALUMNI,
        "the second worker to finish",
    )
    assert [len(sub.received) for sub in subs] == [1] * ALUMNI
    assert push_service.errors == []


def test_worker_stopped_by_sigterm_records_what_it_sent_and_hands_back_the_rest(
    real_commits: None,
    notice_index: NoticeIndexPage,
    vapid_key: VapidKey,
    push_service: LocalPushService,
    start_worker: Callable[[], subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    _, subs, pushes, first = _fan_out_held_after_ten(notice_index, push_service, start_worker)
    first.send_signal(signal.SIGTERM)  # what a deploy (systemctl stop, supervisor) sends
    log = tmp_path / "worker-0.log"
    wait_until(lambda: b"shutting down gracefully" in log.read_bytes(), "the worker to stop")
    push_service.release()  # the requests in flight are answered now

    # It records what was answered, sends nothing new (at most the four in flight went out),
    # hands the rest back and exits by itself: nothing is left 「送信中」 for a lease to run out.
    assert first.wait(timeout=60) == 0
    in_flight = sum(len(sub.received) for sub in subs) - 10
    assert 0 < in_flight <= 4
    assert pushes.filter(status=DeliveryStatus.SENT).count() == 10 + in_flight
    assert not pushes.filter(status=DeliveryStatus.SENDING).exists()
    handed_back = pushes.filter(status=DeliveryStatus.RETRY)
    assert handed_back.count() == ALUMNI - 10 - in_flight
    assert set(handed_back.values_list("attempts", flat=True)) == {0}  # the try not counted
    with override_settings(TASKS=DATABASE_QUEUE):
        assert claims_sweep().deliveries == 0

    # The next worker (after the deploy) takes the fan-out queued again, no sweeper needed.
    start_worker()
    wait_until(
        lambda: pushes.filter(status=DeliveryStatus.SENT).count() == ALUMNI,
        "the next worker to finish",
    )
    assert [len(sub.received) for sub in subs] == [1] * ALUMNI
    assert push_service.accepted == ALUMNI
    assert push_service.errors == []
