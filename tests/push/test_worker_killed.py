"""A worker killed mid fan-out (SIGKILL, a real `task_worker` process): its lease runs out, the
sweeper queues the rest, a new worker finishes it, and every alumnus gets the notice once."""

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management import call_command
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
from tests.push.conftest import DATABASE_QUEUE, LEASE, wait_until

ALUMNI = 24


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
