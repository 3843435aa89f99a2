"""Writes of the push domain: VAPID keys, subscriptions, the fan-out of an item (a notice, a
survey) by push and mail, opens, the monthly digest, the sweeping of stale claims."""

import datetime as dt
import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from py_vapid import Vapid02
from py_vapid.utils import b64urlencode
from wagtail.models import Page

from cms.alumni.models import Alumnus
from cms.content.models import NoticePage
from cms.errors import ServiceError
from cms.mailing import MailBatch, MailFailure, mail_retry_at, retry_delay
from cms.worker_stop import stop_requested

from .items import DeliverableItem, DeliveryMessage, DeliveryReason, url_with_via
from .models import Channel, Delivery, DeliveryStatus, PushSubscription, VapidKey
from .selectors import (
    alumni_reachable_by_email,
    alumni_reachable_by_push,
    month_bounds,
    vapid_key_current,
)
from .sender import (
    PushMessage,
    PushOutcome,
    Result,
    SendOptions,
    VapidHeaders,
    push_topic,
    send_in_chunks,
)

logger = logging.getLogger(__name__)


class PushNotConfigured(Exception):
    """No VAPID key yet: run `manage.py vapid_keys`."""


def vapid_key_create(*, replace: bool = False) -> tuple[VapidKey, bool]:
    """The VAPID key pair, made now if there is none (or if `replace`); True when made now."""
    current = vapid_key_current()
    if current is not None and not replace:
        return current, False
    vapid = Vapid02()
    vapid.generate_keys()
    pem = vapid.private_pem().decode("ascii")
    public = b64urlencode(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    with transaction.atomic():
        VapidKey.objects.all().delete()
        return VapidKey.objects.create(private_key_pem=pem, public_key=public), True


class EndpointTaken(ServiceError):
    status_code = 409


@transaction.atomic
def push_subscription_save(
    *, alumnus: Alumnus, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    """Store (or refresh) a subscription. An endpoint stays with the alumnus who subscribed it
    first until they remove it (another account gets a 409); an alumnus keeps at most
    PUSH_MAX_SUBSCRIPTIONS_PER_ALUMNUS, and a new one beyond that replaces the oldest."""
    Alumnus.objects.select_for_update().get(pk=alumnus.pk)  # one save at a time per alumnus
    subscription, created = PushSubscription.objects.get_or_create(
        endpoint=endpoint, defaults={"alumnus": alumnus, "p256dh": p256dh, "auth": auth}
    )
    if subscription.alumnus_id != alumnus.pk:
        raise EndpointTaken(
            "この端末の通知は別のアカウントで登録されています。もう一度お試しください。"
        )
    if not created:
        subscription.p256dh, subscription.auth = p256dh, auth
        subscription.save(update_fields=["p256dh", "auth"])
        return subscription
    newest = PushSubscription.objects.filter(alumnus=alumnus).order_by("-created_at", "-pk")
    keep = list(newest.values_list("pk", flat=True)[: settings.PUSH_MAX_SUBSCRIPTIONS_PER_ALUMNUS])
    PushSubscription.objects.filter(alumnus=alumnus).exclude(pk__in=keep).delete()
    return subscription


def push_subscription_delete(*, alumnus: Alumnus, endpoint: str) -> bool:
    deleted, _ = PushSubscription.objects.filter(alumnus=alumnus, endpoint=endpoint).delete()
    return deleted > 0


def delivery_open_record(*, alumnus: Alumnus, item_id: int, channel: str) -> bool:
    """Mark that `alumnus` opened an item they received; only with their analytics consent."""
    if not alumnus.consent_analytics:
        return False
    updated = Delivery.objects.filter(
        alumnus=alumnus,
        item_id=item_id,
        channel=channel,
        status=DeliveryStatus.SENT,
        opened_at__isnull=True,
    ).update(opened_at=timezone.now())
    return updated > 0


# --- the fan-out of one item ---------------------------------------------------------------


def notice_url(*, notice: NoticePage, via: str) -> str:
    """Where a notice's notification or mail leads (its static page, or the app's feed)."""
    return url_with_via(notice.delivery_message(DeliveryReason.PUBLISHED).url, via)


def declarative_push(
    *, title: str, body: str, navigate: str, tag: str, **more: object
) -> dict[str, object]:
    """A Declarative Web Push message in Japanese: the notification shown, and where a tap
    leads (`navigate`); `more` adds members such as `app_badge` or `data`."""
    notification = {"title": title, "body": body, "navigate": navigate, "lang": "ja", "dir": "ltr"}
    return {"web_push": 8030, "notification": {**notification, "tag": tag, **more}}


def push_bytes(payload: Mapping[str, object]) -> bytes:
    """A push message as it is encrypted and sent: compact UTF-8 JSON (a push service takes
    about 4 KB, and Japanese as \\u escapes would take twice the bytes)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def push_messages(
    subscriptions: QuerySet[PushSubscription], payload: Mapping[str, object]
) -> list[PushMessage]:
    """The one message to each of these subscriptions, with no shorter form to fall back on."""
    data = push_bytes(payload)
    rows = subscriptions.values_list("pk", "endpoint", "p256dh", "auth")
    return [
        PushMessage(pk, endpoint, p256dh, auth, data, data) for pk, endpoint, p256dh, auth in rows
    ]


def item_push_payload(*, message: DeliveryMessage, short: bool = False) -> dict[str, object]:
    """The Declarative Web Push message; `short` for a service that refused the full one (413)."""
    return declarative_push(
        title=message.title[:60] if short else message.title,
        body="" if short else message.summary,
        navigate=url_with_via(message.url, "push"),
        tag=message.tag,
        app_badge="1",
        data=message.data,
    )


def item_push_bytes(*, message: DeliveryMessage, short: bool = False) -> bytes:
    """The push message exactly as it is encrypted and sent (UTF-8 JSON)."""
    return push_bytes(item_push_payload(message=message, short=short))


def notice_push_bytes(*, notice: NoticePage, short: bool = False) -> bytes:
    """A notice's push message when it is published."""
    return item_push_bytes(message=notice.delivery_message(DeliveryReason.PUBLISHED), short=short)


@dataclass
class FanOutReport:
    audience: int = 0
    pushes_sent: int = 0
    pushes_failed: int = 0
    pushes_expired: int = 0
    emails_sent: int = 0
    retry_at: dt.datetime | None = None
    interrupted: bool = False
    """The worker was asked to stop: what it did not send was handed back, due now."""


INTERRUPTED = "作業プロセスの停止で中断しました（次の作業プロセスが送ります）"


@dataclass
class _AlumnusPush:
    sent: int = 0
    failed: int = 0
    expired: int = 0
    retry_after: float | None = None  # seconds until the next try, while one is due
    attempts: int = 0  # kept on the delivery across runs
    reason: str = ""
    subscriptions: list[PushMessage] = field(default_factory=list)


def send_options() -> SendOptions:
    key = vapid_key_current()
    if key is None:
        raise PushNotConfigured("VAPID key missing: run `manage.py vapid_keys`")
    return SendOptions(
        vapid=VapidHeaders(
            private_key_pem=key.private_key_pem, subject=settings.PUSH_VAPID_SUBJECT
        ),
        ttl=settings.PUSH_TTL_SECONDS,
        urgency=settings.PUSH_URGENCY,
        concurrency_per_service=settings.PUSH_CONCURRENCY_PER_SERVICE,
        ca_file=settings.PUSH_CA_FILE,
        timeout=settings.PUSH_TIMEOUT_SECONDS,
    )


def push_send(
    *, messages: Sequence[PushMessage], options: SendOptions | None = None
) -> Iterator[list[PushOutcome]]:
    """Send push messages (notices, chat); yields outcomes chunk by chunk as services answer.

    Raises PushNotConfigured when there is no VAPID key.
    """
    return send_in_chunks(messages, options or send_options())


def push_retry_wait(*, outcome: PushOutcome, attempts: int) -> float | None:
    """The one retry rule of every push (notices, chat, surveys): after `attempts` tries, a
    429, 5xx, timeout or reset is tried again after its Retry-After or the capped doubling
    back-off; None when it is not retried (delivered, refused for good, or the last try)."""
    if outcome.result != Result.RETRY or attempts >= settings.PUSH_MAX_ATTEMPTS:
        return None
    if outcome.retry_after is not None:
        return outcome.retry_after
    return retry_delay(attempt=attempts)


@dataclass
class PushRetryingReport:
    """What `push_send_retrying` did with each message (by key): delivered, gone, failed for
    good (with the reason), or left for a later run (`retry`: key → tries so far)."""

    sent: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    retry: dict[int, int] = field(default_factory=dict)
    retry_at: dt.datetime | None = None


def push_send_retrying(
    *,
    messages: Sequence[PushMessage],
    attempts: dict[int, int] | None = None,
    options: SendOptions | None = None,
) -> PushRetryingReport:
    """Send push messages (keyed by subscription) with the retry rule of `push_retry_wait`:
    pauses up to PUSH_INLINE_RETRY_MAX_SECONDS are waited here; longer ones are left in `retry`
    with their tries and `retry_at`, for the caller to run again.

    The tries are kept on each subscription (`failed_tries`, since the last push it received),
    so a deferred run counts on from the earlier ones whatever its arguments say (`attempts`
    can only add to them): a device that keeps answering 503 is given up after
    PUSH_MAX_ATTEMPTS and gets no further retries until a push reaches it again. Gone
    subscriptions are deleted; those that answered get `last_success_at`."""
    report = PushRetryingReport()
    known = attempts or {}
    stored = dict(
        PushSubscription.objects.filter(pk__in=[m.key for m in messages]).values_list(
            "pk", "failed_tries"
        )
    )
    tries = {m.key: max(stored.get(m.key, 0), known.get(m.key, 0)) for m in messages}
    pending = list(messages)
    options = options or send_options()
    while pending:
        again: list[PushMessage] = []
        waits: list[float] = []
        by_key = {m.key: m for m in pending}
        for chunk in push_send(messages=pending, options=options):
            for outcome in chunk:
                tries[outcome.key] += 1
                if outcome.result == Result.SENT:
                    report.sent.append(outcome.key)
                elif outcome.result == Result.EXPIRED:
                    report.expired.append(outcome.key)
                elif (
                    wait := push_retry_wait(outcome=outcome, attempts=tries[outcome.key])
                ) is not None:
                    again.append(by_key[outcome.key])
                    waits.append(wait)
                else:
                    report.failed[outcome.key] = outcome.reason
        pending = []
        if again and max(waits) <= settings.PUSH_INLINE_RETRY_MAX_SECONDS:
            time.sleep(max(waits))
            pending = again
        elif again:
            report.retry = {m.key: tries[m.key] for m in again}
            report.retry_at = timezone.now() + dt.timedelta(seconds=max(waits))
    _subscriptions_record(report=report, tries=tries)
    return report


def _subscriptions_record(*, report: PushRetryingReport, tries: dict[int, int]) -> None:
    """Gone subscriptions go; delivered ones start counting afresh; the others keep their tries
    (one UPDATE per distinct count)."""
    if report.expired:
        PushSubscription.objects.filter(pk__in=report.expired).delete()
    if report.sent:
        PushSubscription.objects.filter(pk__in=report.sent).update(
            last_success_at=timezone.now(), failed_tries=0
        )
    by_count: dict[int, list[int]] = defaultdict(list)
    for key in (*report.failed, *report.retry):
        by_count[min(tries[key], 32_767)].append(key)
    for count, keys in by_count.items():
        PushSubscription.objects.filter(pk__in=keys).update(failed_tries=count)


def _check_reason(reason: str) -> None:
    if reason not in DeliveryReason.values:
        raise ValueError(f"unknown delivery reason: {reason!r} (one of {DeliveryReason.values})")


def item_fan_out_enqueue(*, page_id: int, reason: str) -> None:
    """Queue the fan-out of the live page `page_id` for `reason`, once the transaction commits.

    The page's specific class implements `cms.push.items.DeliverableItem`. Enqueueing again
    (a republish, a second reminder run) sends nothing to those who already have it.
    """
    from .tasks import item_fan_out_task

    _check_reason(reason)
    transaction.on_commit(partial(item_fan_out_task.enqueue, page_id, reason))


def item_fan_out(
    *, page_id: int, reason: str, started: Callable[[], None] | None = None
) -> FanOutReport:
    """Send a live item to its audience for `reason` once: push where it works, mail otherwise.

    The audience is walked in pk order, FAN_OUT_SLICE alumni at a time, and each slice is sent
    through before the next is read: its deliveries created and claimed, its pushes sent and
    settled, then its mail to those push did not reach. The first push goes out after one
    slice's planning, memory and transactions are bounded by a slice, and a worker that dies
    leaves only its slice's claims behind, for their lease and the sweeper. (Planning the whole
    audience first cost a Python object and a row written per alumnus before anything went out:
    14 s at 100,000; the ORM has no INSERT ... SELECT.)

    Safe to run again (a retried task, a republished page, the sweeper, the check-up): each
    alumnus has at most one delivery per item, channel and reason, claimed before sending, so
    nobody gets it twice; and the walk passes over those with nothing left to do, so a run of
    a finished fan-out writes nothing (two reads per slice: 3.7 s at 100,000 on a busy machine,
    where planning its rows afresh took 20 s).
    `started` is called once the run has found work, before its first claim (the task queues
    its check-up there).
    """
    _check_reason(reason)
    report = FanOutReport()
    page = Page.objects.live().filter(pk=page_id).first()
    if page is None:
        return report
    item = page.specific
    if not isinstance(item, DeliverableItem):
        logger.warning("page %s (%s) is not deliverable", page_id, type(item).__name__)
        return report
    audience = item.delivery_audience(reason)
    target = _Target(page=page, reason=reason, message=item.delivery_message(reason))
    mail_failed = False
    walk_started = timezone.now()
    for number, ids in enumerate(_slices(target=target, audience=audience)):
        if stop_requested.is_set():
            report.interrupted = True  # the next worker goes on from here
            break
        if number == 0 and started is not None:
            started()
        _push_phase(target=target, slice_ids=ids, report=report)
        mail_failed = _email_phase(
            target=target, slice_ids=ids, report=report, server_failed=mail_failed
        )
        if report.interrupted:
            break
    if not report.interrupted:
        _settle_left_behind(target=target, due_by=walk_started)
    report.audience = audience.count()
    return report


def notice_fan_out(*, notice_id: int) -> FanOutReport:
    """Send a live notice to its audience once (the fan-out at its publication)."""
    return item_fan_out(page_id=notice_id, reason=DeliveryReason.PUBLISHED)


@dataclass(frozen=True)
class _Target:
    """The item being sent, why, and what it says."""

    page: Page
    reason: str
    message: DeliveryMessage

    def deliveries(self) -> QuerySet[Delivery]:
        return Delivery.objects.filter(item=self.page, reason=self.reason)


def _slices(*, target: _Target, audience: QuerySet[Alumnus]) -> Iterator[list[int]]:
    """The ids of `audience` with work left (`_to_do`), a slice at a time: the next
    FAN_OUT_SLICE of the audience by pk (keyset: after the last one read), narrowed to those
    with work left. Each slice is read when the one before is done, in two queries whose cost
    is bounded by the slice, whatever the size of the audience or of the item's deliveries; a
    slice with nothing left (a run over a finished part) is passed over without a write."""
    last = 0
    while ids := list(
        audience.filter(pk__gt=last)
        .order_by("pk")
        .values_list("pk", flat=True)[: settings.FAN_OUT_SLICE]
    ):
        last = ids[-1]
        if to_do := _to_do(target=target, ids=ids):
            yield to_do


def _to_do(*, target: _Target, ids: list[int]) -> list[int]:
    """Those of `ids` (ascending) the fan-out still has work for: reachable by push or by mail,
    and with no push or mail delivery of the item (for its reason) that settles them or is in
    other hands: sent; being sent (a stale claim comes back through the sweeper); waiting for a
    retry not yet due (a deferred run takes it); a mail failed for good; a push failed for
    good or gone, to someone who takes no mail.

    Nor those the monthly digest has told about the item (mailed, or being mailed) before the
    walk began anything for them: the digest can run while a long walk has not reached their
    slice yet, and lists the item as not received. A push or mail delivery begun before the
    digest ran (waiting for its retry, or taken back from a dead worker) is still finished: the
    digest counted it as not received, so it stays a message of its own.

    Read when the slice is, to pass over a slice with nothing left, and again by `_claim`
    under a lock the digest takes too: the digest can claim the item for someone in between.
    Every subquery reads only the span of pks of `ids`, so that the database never reads a
    whole table or all of an item's deliveries for one slice."""
    span = Alumnus.objects.filter(pk__gte=ids[0], pk__lte=ids[-1])
    by_push = alumni_reachable_by_push(alumni=span).order_by().values("pk")
    by_mail = alumni_reachable_by_email(alumni=span).order_by().values("pk")
    of_span = target.deliveries().filter(alumnus_id__gte=ids[0], alumnus_id__lte=ids[-1])
    theirs = of_span.filter(channel__in=[Channel.PUSH, Channel.EMAIL])
    settled = theirs.filter(
        Q(status__in=[DeliveryStatus.SENT, DeliveryStatus.SENDING])
        | Q(status=DeliveryStatus.RETRY, retry_at__gt=timezone.now())
        | Q(channel=Channel.EMAIL, status=DeliveryStatus.FAILED)
    ).values("alumnus_id")
    push_over = theirs.filter(
        channel=Channel.PUSH, status__in=[DeliveryStatus.FAILED, DeliveryStatus.EXPIRED]
    ).values("alumnus_id")
    begun = theirs.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY])
    in_digest = of_span.filter(channel=Channel.DIGEST).filter(_received()).values("alumnus_id")
    return list(
        Alumnus.objects.filter(pk__in=ids)
        .filter(Q(pk__in=by_push) | Q(pk__in=by_mail))
        .exclude(pk__in=settled)
        .exclude(Q(pk__in=push_over) & ~Q(pk__in=by_mail))
        .exclude(Q(pk__in=in_digest) & ~Q(pk__in=begun.values("alumnus_id")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _received() -> Q:
    """Deliveries that count as received: sent, or being sent within their lease (a stale
    「送信中」 was left by a dead worker and may never have gone out)."""
    return Q(status=DeliveryStatus.SENT) | Q(
        status=DeliveryStatus.SENDING, claimed_until__gt=timezone.now()
    )


LEFT_BEHIND = "配信の対象から外れたため送りませんでした"


def _settle_left_behind(*, target: _Target, due_by: dt.datetime) -> None:
    """After a whole walk: push and mail deliveries of the item that were waiting (未送信, or
    再送待ち due when the walk began) and that the walk had no work for belong to people who
    left the audience or can no longer be reached on that channel since. Nothing would take
    them again, so they are settled as not sent, with the reason, rather than shown to HR as
    再送待ち for ever."""
    target.deliveries().filter(channel__in=[Channel.PUSH, Channel.EMAIL]).filter(
        _due(due_by)
    ).update(
        status=DeliveryStatus.FAILED,
        last_error=LEFT_BEHIND,
        retry_at=None,
        claim="",
        claimed_until=None,
    )


def _claim(
    *, target: _Target, channel: str, candidates: QuerySet[Alumnus], slice_ids: list[int]
) -> str:
    """Create the deliveries of the `candidates` (of the slice) the fan-out still has work for
    (one multi-row INSERT; those that exist already are left as they are) and claim the due
    ones of the slice's alumni (a retry, a hand-back); returns the claim token.

    Who still has work is checked again here (`_to_do`), in the transaction that claims and
    holding the slice's alumni (`_alumni_lock`), as the digest claims a person's items
    (`_claim_digest`): the slice was read, and its pushes sent before its mail, while the
    digest could claim the item for some of them. Whichever of the two claims first, the
    other's check sees it, so nobody gets an item by both."""
    token = uuid.uuid4().hex
    until = lease_end()
    with transaction.atomic():
        _alumni_lock(slice_ids)
        to_do = _to_do(target=target, ids=slice_ids)
        new = list(candidates.filter(pk__in=to_do).order_by().values_list("pk", flat=True))
        if new:
            # Born claimed: one write per row, not an insert and then an update of every row.
            Delivery.objects.bulk_create(
                [
                    Delivery(
                        item_id=target.page.pk,
                        reason=target.reason,
                        alumnus_id=pk,
                        channel=channel,
                        status=DeliveryStatus.SENDING,
                        claim=token,
                        claimed_until=until,
                    )
                    for pk in new
                ],
                ignore_conflicts=True,
            )
        target.deliveries().filter(channel=channel, alumnus_id__in=slice_ids).filter(
            _due(timezone.now())
        ).update(status=DeliveryStatus.SENDING, claim=token, claimed_until=until)
    return token


def _alumni_lock(ids: list[int]) -> None:
    """Hold the rows of the alumni `ids` (ascending) until the transaction ends: the fan-out and
    the digest each check and claim a person's item under it, one after the other. (SQLite
    has no row locks: its writing transactions, begun IMMEDIATE, already run one at a time.)"""
    list(
        Alumnus.objects.select_for_update(no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _due(at: dt.datetime) -> Q:
    """Deliveries waiting to be sent at `at`: never tried, or their retry is due."""
    return Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.RETRY, retry_at__lte=at)


def lease_end() -> dt.datetime:
    """Until when a claim taken (or renewed) now holds."""
    return timezone.now() + dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)


def _renew(token: str) -> None:
    Delivery.objects.filter(claim=token, status=DeliveryStatus.SENDING).update(
        claimed_until=lease_end()
    )


@dataclass
class _PushRun:
    """One push phase's state: each claimed alumnus's tries and outcomes, whose subscription
    each message goes to, and how many of each alumnus's messages still wait for an answer."""

    token: str
    state: dict[int, _AlumnusPush] = field(default_factory=lambda: defaultdict(_AlumnusPush))
    owner: dict[int, int] = field(default_factory=dict)
    remaining: dict[int, int] = field(default_factory=dict)
    renewed: float = field(default_factory=time.monotonic)
    report: FanOutReport = field(default_factory=FanOutReport)
    retry: list[PushMessage] = field(default_factory=list)  # of the current round

    @classmethod
    def of_claim(cls, *, token: str, message: DeliveryMessage, report: FanOutReport) -> "_PushRun":
        run = cls(token=token, report=report)
        claimed = Delivery.objects.filter(claim=token, status=DeliveryStatus.SENDING)
        for alumnus_id, attempts in claimed.values_list("alumnus_id", "attempts"):
            run.state[alumnus_id].attempts = attempts
        full = item_push_bytes(message=message)
        short = item_push_bytes(message=message, short=True)
        topic = push_topic(message.tag)
        for pk, alumnus_id, endpoint, p256dh, auth in PushSubscription.objects.filter(
            alumnus_id__in=claimed.values("alumnus_id")
        ).values_list("pk", "alumnus_id", "endpoint", "p256dh", "auth"):
            run.owner[pk] = alumnus_id
            run.state[alumnus_id].subscriptions.append(
                PushMessage(pk, endpoint, p256dh, auth, full, short, topic)
            )
        run.remaining = {alumnus_id: len(s.subscriptions) for alumnus_id, s in run.state.items()}
        return run

    def record(self, chunk: list[PushOutcome], by_key: dict[int, PushMessage]) -> list[float]:
        """Write a chunk's outcomes in one transaction (subscriptions, the deliveries of those
        now settled); the messages to try again go to `retry`, and their waits are returned."""
        expired: list[int] = []
        delivered: list[int] = []
        done: list[int] = []
        waits: list[float] = []
        for outcome in chunk:
            alumnus_id = self.owner[outcome.key]
            alumnus = self.state[alumnus_id]
            if outcome.result == Result.SENT:
                alumnus.sent += 1
                delivered.append(outcome.key)
            elif outcome.result == Result.EXPIRED:
                alumnus.expired += 1
                expired.append(outcome.key)
            elif (wait := push_retry_wait(outcome=outcome, attempts=alumnus.attempts)) is not None:
                self.retry.append(by_key[outcome.key])
                waits.append(wait)
                alumnus.retry_after = max(alumnus.retry_after or 0.0, wait)
                alumnus.reason = outcome.reason
            else:  # failed for good, or the last attempt went by
                alumnus.failed += 1
                alumnus.reason = outcome.reason
            self.remaining[alumnus_id] -= 1
            if self.remaining[alumnus_id] == 0 and (alumnus.sent or alumnus.retry_after is None):
                done.append(alumnus_id)
        with transaction.atomic():
            if expired:
                PushSubscription.objects.filter(pk__in=expired).delete()
            if delivered:
                PushSubscription.objects.filter(pk__in=delivered).update(
                    last_success_at=timezone.now(), failed_tries=0
                )
            _settle_push(token=self.token, state=self.state, report=self.report, only=done)
            self.renew()
        return waits

    def renew(self) -> None:
        """Renew the lease of what is still claimed once a third of it has gone by."""
        if time.monotonic() - self.renewed >= settings.DELIVERY_LEASE_SECONDS / 3:
            _renew(self.token)
            self.renewed = time.monotonic()


def _push_phase(*, target: _Target, slice_ids: list[int], report: FanOutReport) -> None:
    """One slice's pushes: its deliveries created and claimed, sent, and settled as answers
    come in (those claimed with no device left are settled as failed, for the mail)."""
    reachable = alumni_reachable_by_push(alumni=Alumnus.objects.filter(pk__in=slice_ids))
    token = _claim(target=target, channel=Channel.PUSH, candidates=reachable, slice_ids=slice_ids)
    run = _PushRun.of_claim(token=token, message=target.message, report=report)
    if run.owner:
        _push_send_recorded(run=run, options=send_options())
    _settle_push(token=token, state=run.state, report=report)


def _push_send_recorded(*, run: _PushRun, options: SendOptions) -> None:
    """Send the run's messages, each chunk of answers recorded as it comes in (a worker that
    dies mid fan-out leaves only the answers of its last small chunk unrecorded, and its lease
    lets another worker finish the rest); short pauses for retries are waited here."""
    pending = [m for s in run.state.values() for m in s.subscriptions]
    while pending:
        for alumnus_id in {run.owner[m.key] for m in pending}:
            run.state[alumnus_id].attempts += 1
        run.retry = []
        waits: list[float] = []
        by_key = {m.key: m for m in pending}
        answered: set[int] = set()
        for chunk in push_send(messages=pending, options=options):
            waits += run.record(chunk, by_key)
            answered.update(o.key for o in chunk)
        if stop_requested.is_set():
            _hand_back_unsent(run=run, pending=pending, answered=answered)
            return
        # Somebody already reached on another device needs no second try.
        pending = [m for m in run.retry if run.state[run.owner[m.key]].sent == 0]
        if not pending or max(waits) > settings.PUSH_INLINE_RETRY_MAX_SECONDS:
            return  # those left with retry_after: a deferred task takes over
        time.sleep(max(waits))
        for m in pending:
            run.state[run.owner[m.key]].retry_after = None
            run.remaining[run.owner[m.key]] += 1


def _hand_back_unsent(*, run: _PushRun, pending: list[PushMessage], answered: set[int]) -> None:
    """The worker is stopping (a deploy): those with messages of this try not sent, and reached
    on no device, go back to 再送待ち, due now (the try not counted when none of theirs went
    out); the answers that came back are recorded already, so the next worker sends only what
    this one did not."""
    tried: set[int] = {run.owner[key] for key in answered}
    for alumnus_id in {run.owner[m.key] for m in pending if m.key not in answered}:
        alumnus = run.state[alumnus_id]
        if alumnus.sent:
            continue
        if alumnus_id not in tried:
            alumnus.attempts -= 1
        alumnus.retry_after = 0.0
        alumnus.reason = INTERRUPTED
    run.report.interrupted = True


def _settle_push(
    *,
    token: str,
    state: dict[int, _AlumnusPush],
    report: FanOutReport,
    only: list[int] | None = None,
) -> None:
    """Record the outcome of the claimed deliveries (or of the alumni in `only`, whose claim
    this run holds): one UPDATE per distinct outcome, of those still claimed by `token`."""
    if only is None:
        only = list(Delivery.objects.filter(claim=token).values_list("alumnus_id", flat=True))
    if not only:
        return
    now = timezone.now()
    groups: dict[tuple[str, int, int, int, float | None, int, str], list[int]] = defaultdict(list)
    for alumnus_id in only:
        s = state.get(alumnus_id) or _AlumnusPush(reason="購読している端末がありません")
        report.pushes_sent += s.sent
        report.pushes_failed += s.failed
        report.pushes_expired += s.expired
        status: str
        if s.sent:
            status = DeliveryStatus.SENT
        elif s.retry_after is not None:
            status = DeliveryStatus.RETRY
        elif s.expired and not s.failed:
            status = DeliveryStatus.EXPIRED
        else:
            status = DeliveryStatus.FAILED
        wait = s.retry_after if status == DeliveryStatus.RETRY else None
        reason = "" if status == DeliveryStatus.SENT else s.reason[:200]
        groups[(status, s.sent, s.failed, s.expired, wait, s.attempts, reason)].append(alumnus_id)
    for (outcome, sent, failed, expired, wait, attempts, reason), ids in groups.items():
        retry_at = now + dt.timedelta(seconds=wait) if wait is not None else None
        if retry_at is not None:
            report.retry_at = max(report.retry_at or retry_at, retry_at)
        for start in range(0, len(ids), 500):
            Delivery.objects.filter(claim=token, alumnus_id__in=ids[start : start + 500]).update(
                status=outcome,
                pushes_sent=sent,
                pushes_failed=failed,
                pushes_expired=expired,
                sent_at=now if outcome == DeliveryStatus.SENT else None,
                retry_at=retry_at,
                attempts=attempts,
                last_error=reason,
                claim="",
                claimed_until=None,
            )


def _email_phase(
    *, target: _Target, slice_ids: list[int], report: FanOutReport, server_failed: bool
) -> bool:
    """One slice's mail, to those of its alumni who take mail and whom push did not reach (or
    is still trying), over one connection to the mail server; True when the server failed.
    After it failed (in this slice or an earlier one) the slice's mails wait for the same retry
    untried: one try of a server that is down or hung per run, not one per slice."""
    if stop_requested.is_set():
        report.interrupted = True  # the next worker runs this slice's mail, and the rest
        return server_failed
    # Push reached them, or is still being tried: no mail (yet).
    push_handled = target.deliveries().filter(
        alumnus=OuterRef("pk"),
        channel=Channel.PUSH,
        status__in=[
            DeliveryStatus.SENT,
            DeliveryStatus.RETRY,
            DeliveryStatus.SENDING,
            DeliveryStatus.PENDING,
        ],
    )
    reachable = alumni_reachable_by_email(alumni=Alumnus.objects.filter(pk__in=slice_ids))
    token = _claim(
        target=target,
        channel=Channel.EMAIL,
        candidates=reachable.exclude(Exists(push_handled)),
        slice_ids=slice_ids,
    )
    claimed = Delivery.objects.filter(claim=token).select_related("alumnus")
    # One connection for the slice; each mail's outcome is written as soon as it is known, and
    # the lease renewed. When the server itself fails, the rest wait for the retry untried.
    with MailBatch() as batch:
        for delivery in [] if server_failed else claimed:
            if stop_requested.is_set():
                report.interrupted = True  # the rest are handed back by `_release`
                break
            attempts = delivery.attempts + 1
            failure = batch.send(_item_email(message=target.message, alumnus=delivery.alumnus))
            retry_at = _mail_outcome_record(
                deliveries=Delivery.objects.filter(pk=delivery.pk),
                attempts=attempts,
                failure=failure,
            )
            if failure is None:
                report.emails_sent += 1
                _renew(token)
                continue
            if retry_at is not None:
                report.retry_at = max(report.retry_at or retry_at, retry_at)
            if failure.server:
                server_failed = True
                break
            _renew(token)
    _release(token=token, report=report)
    return server_failed


def _mail_outcome_record(
    *, deliveries: QuerySet[Delivery], attempts: int, failure: MailFailure | None
) -> dt.datetime | None:
    """Write a mail's outcome on its deliveries (claim released): 送信済み, or 再送待ち until
    the time returned, or 失敗 after its last try, with the reason."""
    if failure is None:
        deliveries.update(
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
            attempts=attempts,
            retry_at=None,
            last_error="",
            claim="",
            claimed_until=None,
        )
        return None
    retry_at = mail_retry_at(attempts=attempts)
    deliveries.update(
        status=DeliveryStatus.RETRY if retry_at else DeliveryStatus.FAILED,
        retry_at=retry_at,
        attempts=attempts,
        last_error=f"メール: {failure.reason}"[:200],
        claim="",
        claimed_until=None,
    )
    return retry_at


def _release(*, token: str, report: FanOutReport) -> None:
    """Hand back the deliveries of `token` not tried (the mail server failed first, or the
    worker stops): 再送待ち with the batch's retry time (due now for the next worker), their
    attempt counts unchanged; when the worker stops, with that reason for the monitor, as
    the pushes it hands back have."""
    why = {"last_error": INTERRUPTED} if report.interrupted else {}
    retry_at = None if report.interrupted else report.retry_at
    Delivery.objects.filter(claim=token, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.RETRY,
        retry_at=retry_at or timezone.now(),
        claim="",
        claimed_until=None,
        **why,
    )


def _item_email(*, message: DeliveryMessage, alumnus: Alumnus) -> EmailMessage:
    body = (
        f"{alumnus.family_name} {alumnus.given_name} 様\n\n"
        f"{settings.SITE_NAME}から{message.lead}\n\n"
        f"■ {message.title}\n{message.summary}\n\n"
        f"続きはこちら: {url_with_via(message.url, 'email')}\n\n"
        "このメールは、お知らせのメール配信に同意いただいた方にお送りしています。\n"
        "配信の停止はアプリのプロフィール画面から行えます。\n"
    )
    return EmailMessage(
        subject=f"【{settings.ORG_NAME}アルムナイ】{message.title}",
        body=body,
        to=[alumnus.email],
    )


# --- the monthly digest ----------------------------------------------------------------------


@dataclass
class DigestReport:
    alumni_mailed: int = 0
    items: int = 0
    retry_at: dt.datetime | None = None
    interrupted: bool = False
    """The worker was asked to stop: those not mailed yet are left for the next run."""


DIGEST_BATCH = 500  # alumni read, and mailed over one connection to the mail server, at a time


def digest_send(*, month: dt.date) -> DigestReport:
    """Mail each alumnus (with mail consent) the notices of `month` they have not received yet.

    Each item mailed is recorded as a digest delivery, so a second run sends nothing again. The
    month's notices and the audiences of its group notices are read once; the alumni then in
    batches of DIGEST_BATCH (what they already received: one query a batch), each batch over
    one connection to the mail server: a fixed number of queries per person mailed. A mail
    that fails is 再送待ち with a growing pause (its attempts kept on its items), failed for
    good after MAIL_MAX_ATTEMPTS; when the server itself fails, the run stops and
    `report.retry_at` says when to run it again.
    """
    from cms.groups.selectors import notices_with_audience_ids

    start, end = month_bounds(month)
    notices = notices_with_audience_ids(
        notices=NoticePage.objects.live().filter(
            first_published_at__gte=start, first_published_at__lt=end
        )
    )
    report = DigestReport()
    if not notices:
        return report
    alumni = Alumnus.objects.filter(status="active", consent_email=True).order_by("pk")
    last = 0
    while batch_alumni := list(alumni.filter(pk__gt=last)[:DIGEST_BATCH]):
        last = batch_alumni[-1].pk
        if _digest_batch_send(alumni=batch_alumni, notices=notices, month=month, report=report):
            break  # the others get no rows yet: the next run finds them
    return report


def _digest_batch_send(
    *,
    alumni: list[Alumnus],
    notices: list[tuple[NoticePage, set[int] | None]],
    month: dt.date,
    report: DigestReport,
) -> bool:
    """Mail one batch of alumni their digest over one connection; True when the run stops
    here: the mail server failed, or the worker is asked to stop (`report.interrupted`)."""
    received: dict[int, set[int]] = defaultdict(set)
    for alumnus_id, item_id in (
        Delivery.objects.filter(
            alumnus_id__in=[a.pk for a in alumni], item_id__in=[n.pk for n, _ in notices]
        )
        .filter(_received())
        .values_list("alumnus_id", "item_id")
    ):
        received[alumnus_id].add(item_id)
    with MailBatch() as batch:
        for alumnus in alumni:
            if stop_requested.is_set():
                report.interrupted = True
                return True
            candidates = [
                notice
                for notice, audience in notices
                if (audience is None or alumnus.pk in audience)
                and notice.pk not in received[alumnus.pk]
            ]
            if not candidates:
                continue
            failure = _digest_alumnus_send(
                alumnus=alumnus, candidates=candidates, month=month, batch=batch, report=report
            )
            if failure is not None and failure.server:
                return True
    return False


def _digest_alumnus_send(
    *,
    alumnus: Alumnus,
    candidates: list[NoticePage],
    month: dt.date,
    batch: MailBatch,
    report: DigestReport,
) -> MailFailure | None:
    """Claim and mail one person's digest items; the failure when the mail did not go out."""
    token = _claim_digest(notice_ids=[n.pk for n in candidates], alumnus=alumnus)
    claimed = Delivery.objects.filter(claim=token)
    due = dict(claimed.values_list("item_id", "attempts"))
    items = [notice for notice in candidates if notice.pk in due]
    if not items:
        return None
    attempts = max(due.values()) + 1
    failure = batch.send(_digest_email(alumnus=alumnus, items=items, month=month))
    retry_at = _mail_outcome_record(deliveries=claimed, attempts=attempts, failure=failure)
    if failure is None:
        report.alumni_mailed += 1
        report.items += len(items)
    elif retry_at is not None:
        report.retry_at = max(report.retry_at or retry_at, retry_at)
    return failure


def _claim_digest(*, notice_ids: list[int], alumnus: Alumnus) -> str:
    """Create and claim one person's digest items, leaving out those received since their
    batch was read (a fan-out running meanwhile can reach them between the two). The check
    and the claim are one transaction holding the person (`_alumni_lock`), as the fan-out's
    claim of a slice is (`_claim`): neither can claim an item for them between the other's
    check and its claim."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        _alumni_lock([alumnus.pk])
        received = Delivery.objects.filter(alumnus=alumnus, item_id__in=notice_ids).filter(
            _received()
        )
        notice_ids = sorted(set(notice_ids) - set(received.values_list("item_id", flat=True)))
        Delivery.objects.bulk_create(
            [Delivery(item_id=pk, alumnus=alumnus, channel=Channel.DIGEST) for pk in notice_ids],
            ignore_conflicts=True,
        )
        Delivery.objects.filter(
            alumnus=alumnus, item_id__in=notice_ids, channel=Channel.DIGEST
        ).filter(_due(timezone.now())).update(
            status=DeliveryStatus.SENDING, claim=token, claimed_until=lease_end()
        )
    return token


def _digest_email(*, alumnus: Alumnus, items: list[NoticePage], month: dt.date) -> EmailMessage:
    lines = [
        f"{alumnus.family_name} {alumnus.given_name} 様",
        "",
        f"{settings.SITE_NAME}の {month.year}年{month.month}月 のお知らせをまとめてお送りします。",
        "",
    ]
    for notice in items:
        lines += [f"■ {notice.title}", notice.summary, notice_url(notice=notice, via="email"), ""]
    lines += [
        "このメールは、お知らせのメール配信に同意いただいた方にお送りしています。",
        "配信の停止はアプリのプロフィール画面から行えます。",
    ]
    return EmailMessage(
        subject=f"【{settings.ORG_NAME}アルムナイ】{month.month}月のお知らせ（{len(items)}件）",
        body="\n".join(lines) + "\n",
        to=[alumnus.email],
    )


# --- claims left by a dead worker ------------------------------------------------------------


@dataclass
class SweepReport:
    deliveries: int = 0
    items: int = 0
    invitations: int = 0


def claims_sweep() -> SweepReport:
    """Take back the claims whose lease ran out (their worker died) and queue the work again.

    A push or mail delivery goes back to 再送待ち, due now, and its item's fan-out is
    queued: the new run sends only to those not yet recorded, so nobody gets it twice. A digest
    item goes back to 送信待ち for the next digest run. An invitation mail is queued again.
    """
    from cms.alumni.models import Invitation, InvitationDelivery
    from cms.alumni.tasks import invitation_emails_send

    now = timezone.now()
    report = SweepReport()
    stale = Q(status=DeliveryStatus.SENDING) & (
        Q(claimed_until__lt=now) | Q(claimed_until__isnull=True)
    )
    with transaction.atomic():
        items = sorted(
            set(
                Delivery.objects.filter(stale, channel__in=[Channel.PUSH, Channel.EMAIL])
                .values_list("item_id", "reason")
                .distinct()
            )
        )
        report.deliveries = Delivery.objects.filter(
            stale, channel__in=[Channel.PUSH, Channel.EMAIL]
        ).update(status=DeliveryStatus.RETRY, retry_at=now, claim="", claimed_until=None)
        report.deliveries += Delivery.objects.filter(stale, channel=Channel.DIGEST).update(
            status=DeliveryStatus.PENDING, claim="", claimed_until=None
        )
        for page_id, reason in items:
            item_fan_out_enqueue(page_id=page_id, reason=reason)
        report.items = len(items)
        invitation_ids = list(
            Invitation.objects.filter(delivery=InvitationDelivery.SENDING)
            .filter(Q(claimed_until__lt=now) | Q(claimed_until__isnull=True))
            .values_list("pk", flat=True)
        )
        if invitation_ids:
            Invitation.objects.filter(
                pk__in=invitation_ids, delivery=InvitationDelivery.SENDING
            ).update(delivery=InvitationDelivery.QUEUED, claimed_until=None)
        # A retry whose deferred task never ran (lost with its worker's queue) is taken up too.
        overdue = now - dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
        invitation_ids += list(
            Invitation.objects.filter(
                delivery=InvitationDelivery.RETRY, retry_at__lt=overdue
            ).values_list("pk", flat=True)
        )
        if invitation_ids:
            transaction.on_commit(
                lambda: invitation_emails_send.enqueue(invitation_ids=invitation_ids)
            )
        report.invitations = len(invitation_ids)
    return report
