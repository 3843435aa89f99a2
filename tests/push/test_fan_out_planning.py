"""A fan-out walks its audience in slices of FAN_OUT_SLICE alumni, each planned (its deliveries
created and claimed), pushed, settled and mailed before the next is read: the first pushes reach
the push service before the last slice is planned, planning the first slice costs the same
queries whatever the size of the audience, and a run killed after a slice is finished by the
next run (the sweeper's, the check-up's) with each person reached exactly once."""

import datetime as dt
import itertools
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.content.models import NoticeIndexPage, NoticePage
from cms.push import services
from cms.push.items import DeliveryReason
from cms.push.models import Channel, Delivery, DeliveryStatus, PushSubscription, VapidKey
from cms.push.services import claims_sweep, notice_fan_out
from cms.push.tasks import item_fan_out_task
from tests.content.factories import NoticePageFactory
from tests.fixtures.push_service import TestSubscription
from tests.fixtures.smtp import SMTPInbox
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db

SLICE = 3
Subscribe = Callable[..., TestSubscription]


@pytest.fixture(autouse=True)
def small_slices(settings: Any) -> None:
    settings.FAN_OUT_SLICE = SLICE


@pytest.fixture
def notice(notice_index: NoticeIndexPage) -> NoticePage:
    """A live notice to everybody, not sent yet (each test runs its fan-out)."""
    page: NoticePage = NoticePageFactory(parent=notice_index, live=True, notify_alumni=True)
    return page


def _subscribed(subscribe: Subscribe, count: int) -> dict[int, TestSubscription]:
    """`count` alumni who take push and no mail, each with one device; by alumnus pk."""
    return {a.pk: subscribe(a) for a in AlumnusFactory.create_batch(count, consent_email=False)}


def _slices(pks: Iterator[int] | list[int]) -> list[list[int]]:
    ordered = sorted(pks)
    return [ordered[i : i + SLICE] for i in range(0, len(ordered), SLICE)]


def test_the_first_slice_reaches_the_push_service_before_the_last_slice_is_planned(
    notice: NoticePage, subscribe: Subscribe, vapid_key: VapidKey
) -> None:
    subs = _subscribed(subscribe, 10)

    report = notice_fan_out(notice_id=notice.pk)

    assert (report.audience, report.pushes_sent) == (10, 10)
    created = {
        d.alumnus_id: d.created_at.timestamp()
        for d in Delivery.objects.filter(item=notice, channel=Channel.PUSH)
    }
    slices = _slices(list(subs))
    assert len(slices) == 4
    # Every slice's pushes were answered by the push service before the next slice's first
    # delivery row existed: planning goes slice by slice, not the audience up front.
    for done, later in itertools.pairwise(slices):
        pushed = max(subs[pk].received[0].at for pk in done)
        assert pushed < min(created[pk] for pk in later)
    assert [len(sub.received) for sub in subs.values()] == [1] * 10


def _planning_queries(notice: NoticePage, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, int]:
    """The statements a fan-out ran before its first push went out (the INSERTs, the others)
    and the delivery rows there were then; the pushes then go out through the real sender."""
    seen: list[tuple[int, int, int]] = []
    send = services.push_send

    def first_send(**kwargs: Any) -> Any:
        if not seen:
            sql = [q["sql"].lstrip().upper() for q in queries.captured_queries]
            inserts = sum(s.startswith("INSERT") for s in sql)
            planned = Delivery.objects.filter(item=notice).count()  # read after the count above
            seen.append((inserts, len(sql) - inserts, planned))
        return send(**kwargs)

    monkeypatch.setattr(services, "push_send", first_send)
    with CaptureQueriesContext(connection) as queries:
        notice_fan_out(notice_id=notice.pk)
    return seen[0]


def test_planning_the_first_slice_costs_the_same_queries_whatever_the_audience(
    notice_index: NoticeIndexPage,
    subscribe: Subscribe,
    vapid_key: VapidKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    figures = []
    for n, size in enumerate((SLICE, SLICE, 4 * SLICE + 1)):
        while PushSubscription.objects.count() < size:
            subscribe(AlumnusFactory(consent_email=False))
        notice = NoticePageFactory(
            parent=notice_index, live=True, notify_alumni=True, slug=f"plan-{n}"
        )
        figures.append(_planning_queries(notice, monkeypatch))
        pushes = Delivery.objects.filter(item=notice, channel=Channel.PUSH)
        assert pushes.filter(status=DeliveryStatus.SENT).count() == size

    # The first run also reads the site (Wagtail caches it): compare the next two.
    _, (small_inserts, small_other, _), (large_inserts, large_other, planned) = figures
    assert small_inserts == large_inserts == 1  # one multi-row INSERT: the first slice's
    assert small_other == large_other
    assert planned == SLICE  # of the 13: the others are planned later, slice by slice


def test_a_slice_is_claimed_for_sending_before_it_is_sent(
    notice: NoticePage, subscribe: Subscribe, vapid_key: VapidKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    subs = _subscribed(subscribe, SLICE + 1)
    states: list[list[tuple[int, str, str]]] = []
    send = services._push_send_recorded

    def look_then_send(**kwargs: Any) -> None:
        rows = Delivery.objects.filter(item=notice).order_by("alumnus_id")
        states.append(list(rows.values_list("alumnus_id", "status", "claim")))
        send(**kwargs)

    monkeypatch.setattr(services, "_push_send_recorded", look_then_send)
    notice_fan_out(notice_id=notice.pk)

    first, second = _slices(list(subs))
    assert [pk for pk, _, _ in states[0]] == first  # the second slice is not planned yet
    assert {status for _, status, _ in states[0]} == {DeliveryStatus.SENDING}
    assert len({claim for _, _, claim in states[0]} - {""}) == 1
    assert [pk for pk, status, _ in states[1] if status == DeliveryStatus.SENDING] == second


class WorkerKilled(BaseException):
    """What the test raises where a SIGKILL would stop the worker (nothing after it runs)."""


@pytest.mark.parametrize("where", ["between slices", "while a slice is sent"])
def test_a_run_killed_after_two_slices_is_finished_by_the_next_and_nobody_gets_it_twice(
    notice: NoticePage,
    subscribe: Subscribe,
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    where: str,
) -> None:
    # Slices of three by pk: two who take push and one who takes mail only, four times over.
    subs: dict[int, TestSubscription] = {}
    mailed: list[Alumnus] = []
    for n in range(10):
        alumnus: Alumnus = AlumnusFactory(consent_push=n % 3 != 2, consent_email=n % 3 == 2)
        if n % 3 == 2:
            mailed.append(alumnus)
        else:
            subs[alumnus.pk] = subscribe(alumnus)
    killed_in = services._push_phase if where == "between slices" else services._push_send_recorded
    calls: list[int] = []

    def dies_in_the_third_slice(**kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise WorkerKilled
        killed_in(**kwargs)

    monkeypatch.setattr(services, killed_in.__name__, dies_in_the_third_slice)
    with pytest.raises(WorkerKilled):
        notice_fan_out(notice_id=notice.pk)
    monkeypatch.undo()

    deliveries = Delivery.objects.filter(item=notice)
    first, second = _slices([*subs, *(a.pk for a in mailed)])[:2]
    reached = deliveries.filter(status=DeliveryStatus.SENT).values_list("alumnus_id", flat=True)
    assert sorted(reached) == [*first, *second]
    sending = deliveries.filter(status=DeliveryStatus.SENDING)
    if where == "between slices":
        # Killed holding no claim: the check-up the task queued runs the fan-out again.
        assert not sending.exists()
        notice_fan_out(notice_id=notice.pk)
    else:
        # Killed holding the third slice: a run within its lease leaves it to its owner, and
        # once the lease has run out the sweeper hands it to a new run.
        assert sending.count() == 2  # the third slice's pushes
        notice_fan_out(notice_id=notice.pk)
        assert sending.count() == 2
        sending.update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert claims_sweep().items == 1

    assert [len(sub.received) for sub in subs.values()] == [1] * 7
    assert [len(smtp.to(a.email)) for a in mailed] == [1] * 3
    assert deliveries.filter(status=DeliveryStatus.SENT).count() == 10
    with CaptureQueriesContext(connection) as again:
        report = notice_fan_out(notice_id=notice.pk)  # a finished fan-out: nothing to do
    assert (report.pushes_sent, report.emails_sent) == (0, 0)
    assert not any(q["sql"].lstrip().upper().startswith("INSERT") for q in again)


def test_the_task_queues_a_check_up_a_lease_later_only_when_it_found_work(
    notice: NoticePage, subscribe: Subscribe, vapid_key: VapidKey, settings: Any
) -> None:
    from django.tasks import default_task_backend

    queued: Any = default_task_backend  # the dummy backend keeps what was queued
    _subscribed(subscribe, 2)
    dummy = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy):
        before = timezone.now()
        item_fan_out_task.call(notice.pk, DeliveryReason.PUBLISHED)
        [check_up] = queued.results
        assert check_up.task.name == item_fan_out_task.name
        assert list(check_up.args) == [notice.pk, DeliveryReason.PUBLISHED]
        lease = dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
        assert check_up.task.run_after is not None and check_up.task.run_after >= before + lease

        item_fan_out_task.call(notice.pk, DeliveryReason.PUBLISHED)  # the check-up itself
        assert len(queued.results) == 1  # found nothing: no further check-up


def test_with_the_mail_server_down_one_try_per_run_and_every_slice_waits_for_the_retry(
    notice: NoticePage, smtp: SMTPInbox, settings: Any
) -> None:
    AlumnusFactory.create_batch(2 * SLICE, consent_push=False, consent_email=True)
    working = settings.MAILERS
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            **working["default"],
            "OPTIONS": {**working["default"]["OPTIONS"], "port": closed_port},
        }
    }

    report = notice_fan_out(notice_id=notice.pk)

    mails = Delivery.objects.filter(item=notice, channel=Channel.EMAIL)
    assert mails.count() == 2 * SLICE
    assert set(mails.values_list("status", flat=True)) == {DeliveryStatus.RETRY}
    assert sorted(mails.values_list("attempts", flat=True)) == [0] * (2 * SLICE - 1) + [1]
    assert report.retry_at is not None
    assert set(mails.values_list("retry_at", flat=True)) == {report.retry_at}


def test_a_retry_left_for_somebody_who_left_the_audience_is_settled_not_left_waiting(
    notice: NoticePage, subscribe: Subscribe, vapid_key: VapidKey
) -> None:
    """A push waiting for its retry, for a person who has since stopped taking push and mail (or
    left the audience): the fan-out's walk has no work for them, and their 再送待ち is settled
    with the reason instead of waiting for ever on HR's monitor."""
    stayed = _subscribed(subscribe, 2)
    gone = AlumnusFactory(consent_push=False, consent_email=False)
    waiting = Delivery.objects.create(
        item=notice,
        alumnus=gone,
        channel=Channel.PUSH,
        status=DeliveryStatus.RETRY,
        retry_at=timezone.now() - dt.timedelta(minutes=1),
        attempts=1,
        last_error="503",
    )

    notice_fan_out(notice_id=notice.pk)

    waiting.refresh_from_db()
    assert waiting.status == DeliveryStatus.FAILED
    assert waiting.last_error == services.LEFT_BEHIND
    assert waiting.retry_at is None
    assert [len(sub.received) for sub in stayed.values()] == [1, 1]
