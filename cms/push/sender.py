"""Push messages sent with pywebpush's asynchronous sender over one shared aiohttp session.

pywebpush encrypts each message (RFC 8291 through `http_ece`) and posts it; py_vapid signs the
VAPID token, made once per push-service origin and reused while valid. Each message carries its
item's Topic (RFC 8030 §5.4: a push service replaces a message it still holds with a
newer one of the same topic, so a message sent again after a crash replaces the first one
instead of arriving twice). At most `concurrency_per_service` requests are in flight per push
service. No database access here: the sending runs on its own event-loop thread and hands
outcomes back to the caller in small chunks, so the caller records them as the answers come in.

`stop_requested` (set when the worker process is asked to stop, see `cms.worker_stop`) makes the
sending take no new message: those in flight are answered and handed over, and the caller hands
back the ones never sent.
"""

import asyncio
import email.utils
import functools
import logging
import queue
import re
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import aiohttp
from py_vapid import Vapid02
from pywebpush import WebPusher, WebPushException

from cms.worker_stop import stop_requested

logger = logging.getLogger(__name__)


class Result(StrEnum):
    SENT = "sent"
    EXPIRED = "expired"  # 404/410: the subscription is gone
    RETRY = "retry"  # 429, 5xx, timeout, connection reset: try again later
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PushMessage:
    key: int
    endpoint: str
    p256dh: str
    auth: str
    payload: bytes
    short_payload: bytes
    topic: str = ""  # RFC 8030 Topic: at most 32 characters of the base64url alphabet


TOPIC_LENGTH = 32


def push_topic(tag: str) -> str:
    """A notification tag as an RFC 8030 Topic (base64url characters, at most 32): the same
    item gets the same topic, so a push service replaces the copy it still holds."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", tag)[:TOPIC_LENGTH]


@dataclass(frozen=True, slots=True)
class PushOutcome:
    key: int
    result: Result
    status: int | None = None
    retry_after: float | None = None  # from Retry-After; None: the caller's back-off decides
    reason: str = ""


class VapidHeaders:
    """The VAPID Authorization header per push-service origin, signed by py_vapid once and reused
    until it nears its expiry."""

    lifetime = 12 * 60 * 60
    renew_before = 60 * 60

    def __init__(self, *, private_key_pem: str, subject: str) -> None:
        self._vapid = Vapid02.from_pem(private_key_pem.encode("ascii"))
        self.subject = subject
        self._headers: dict[str, tuple[dict[str, str], int]] = {}

    def for_origin(self, origin: str) -> dict[str, str]:
        now = int(time.time())
        cached = self._headers.get(origin)
        if cached is None or cached[1] - now < self.renew_before:
            exp = now + self.lifetime
            signed = self._vapid.sign({"aud": origin, "exp": exp, "sub": self.subject})
            cached = ({"Authorization": signed["Authorization"]}, exp)
            self._headers[origin] = cached
        return cached[0]


@dataclass(frozen=True, slots=True)
class SendOptions:
    vapid: VapidHeaders
    ttl: int
    urgency: str
    concurrency_per_service: int
    ca_file: str = ""
    timeout: float = 30.0


@functools.cache
def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """The TLS context of every send from this process (one per CA file): making one reads and
    parses the system's CA bundle, some 10–20 ms of CPU, which a fan-out paid once per call and
    a chat message's few pushes paid in full. An SSLContext is safe to share between threads
    and event loops; a change to the CA bundle takes effect when the worker restarts."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def origin_of(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None without."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def send_all(messages: Sequence[PushMessage], options: SendOptions) -> list[PushOutcome]:
    """Send every message; the outcomes in the order of `messages`."""
    outcomes = {o.key: o for chunk in send_in_chunks(messages, options) for o in chunk}
    return [outcomes[m.key] for m in messages]


CHUNK_SIZE = 50
CHUNK_WAIT = 0.02
"""Seconds an answer waits for others before its chunk is handed over (the recording lags the
answers by at most this, or by `CHUNK_SIZE` answers): small, so that a worker killed mid
fan-out leaves few messages sent but not recorded (they are sent again by the next worker)."""
CHUNK_MIN = 10
"""While the caller waits for answers (it has recorded every chunk handed over), a chunk of
this many is handed over at once instead of waiting for `CHUNK_SIZE` or `CHUNK_WAIT`: with a
fast database the recording follows the answers closely, with a slow one chunks grow."""
CHUNKS_AHEAD = 1
"""Chunks that may wait for the caller besides the one it is recording: the sending pauses
beyond that. A worker killed mid fan-out has sent at most these, the chunk being recorded, the
one being gathered and those in flight without recording them (another worker sends them
again); unbounded, the sending ran thousands of answers ahead of a slower database."""


def send_in_chunks(
    messages: Sequence[PushMessage], options: SendOptions, chunk_size: int = CHUNK_SIZE
) -> Iterator[list[PushOutcome]]:
    """Send every message; yields the outcomes in chunks as the push services answer.

    The sending runs on its own thread with its own event loop, so the caller (sync code with a
    database connection) handles each chunk while the rest is still being sent. The event loop
    gathers the answers into chunks (`chunk_size`, or what came within `CHUNK_WAIT`) before
    handing them over: one wake-up of the caller per chunk, not per answer; it runs at most
    `CHUNKS_AHEAD` chunks ahead of the caller.
    """
    if not messages:
        return
    answers: queue.Queue[list[PushOutcome] | BaseException | None] = queue.Queue(
        maxsize=CHUNKS_AHEAD
    )
    abandoned = threading.Event()
    # Set while the caller waits for the next chunk (it recorded every one before).
    idle = threading.Event()

    def hand_over(item: list[PushOutcome] | BaseException | None) -> None:
        # Blocks the event loop (the sending pauses) while the caller is CHUNKS_AHEAD behind.
        while not abandoned.is_set():
            try:
                answers.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def run() -> None:
        try:
            asyncio.run(_send_all(messages, options, hand_over, chunk_size, idle))
        except BaseException as exc:  # handed to the caller's thread
            hand_over(exc)
        finally:
            hand_over(None)

    thread = threading.Thread(target=run, name="push-sender", daemon=True)
    thread.start()
    try:
        while True:
            if answers.empty():
                idle.set()
            item = answers.get()
            idle.clear()
            if item is None:
                break
            if isinstance(item, BaseException):
                thread.join()
                raise item
            yield item
    finally:
        abandoned.set()  # a caller that stops early no longer holds the sending thread
    thread.join()


class _Chunks:
    """Gathers outcomes on the event loop and hands them over `size` at a time, `CHUNK_MIN` at a
    time while the caller is idle, or once the first of them has waited `CHUNK_WAIT`."""

    def __init__(
        self,
        hand_over: Callable[[list[PushOutcome]], None],
        size: int,
        idle: threading.Event | None = None,
    ) -> None:
        self.hand_over = hand_over
        self.size = size
        self.idle = idle
        self.chunk: list[PushOutcome] = []
        self.timer: asyncio.TimerHandle | None = None

    def add(self, outcome: PushOutcome) -> None:
        self.chunk.append(outcome)
        if len(self.chunk) >= self.size or (
            self.idle is not None and len(self.chunk) >= CHUNK_MIN and self.idle.is_set()
        ):
            self.flush()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(CHUNK_WAIT, self.flush)

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.chunk:
            self.hand_over(self.chunk)
            self.chunk = []


async def _send_all(
    messages: Sequence[PushMessage],
    options: SendOptions,
    hand_over: Callable[[list[PushOutcome]], None],
    chunk_size: int,
    idle: threading.Event | None = None,
) -> None:
    by_origin: dict[str, deque[PushMessage]] = {}
    for message in messages:
        by_origin.setdefault(origin_of(message.endpoint), deque()).append(message)
    bound = max(1, options.concurrency_per_service)
    connector = aiohttp.TCPConnector(
        ssl=tls_context(options.ca_file), limit=0, limit_per_host=bound
    )
    timeout = aiohttp.ClientTimeout(total=options.timeout)
    chunks = _Chunks(hand_over, chunk_size, idle)
    # Push services set no cookies: no cookie jar to look up and update on every request.
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:

        async def worker(origin: str, pending: deque[PushMessage]) -> None:
            while pending and not stop_requested.is_set():
                message = pending.popleft()
                chunks.add(await _send_one(session, origin, message, options, timeout))

        try:
            # The bound per push service: that many workers, each with one request in flight.
            await asyncio.gather(
                *(
                    worker(origin, pending)
                    for origin, pending in by_origin.items()
                    for _ in range(min(bound, len(pending)))
                )
            )
        finally:
            chunks.flush()


async def _send_one(
    session: aiohttp.ClientSession,
    origin: str,
    message: PushMessage,
    options: SendOptions,
    timeout: aiohttp.ClientTimeout,
) -> PushOutcome:
    try:
        pusher = WebPusher(
            {
                "endpoint": message.endpoint,
                "keys": {"p256dh": message.p256dh, "auth": message.auth},
            },
            aiohttp_session=session,
        )
    except (WebPushException, ValueError, TypeError) as exc:
        return PushOutcome(message.key, Result.FAILED, reason=f"invalid subscription keys: {exc}")
    sending = (origin, options, timeout, message.topic)
    status, retry_after, reason = await _post(pusher, message.payload, *sending)
    if status == 413 and message.short_payload != message.payload:
        status, retry_after, reason = await _post(pusher, message.short_payload, *sending)
    if status == 0:
        return PushOutcome(message.key, Result.FAILED, None, reason=reason)
    if status is not None and 200 <= status < 300:
        return PushOutcome(message.key, Result.SENT, status)
    if status in (404, 410):
        return PushOutcome(message.key, Result.EXPIRED, status, reason=f"HTTP {status}")
    if status is None or status == 429 or 500 <= status < 600:
        # Busy, a server error, a timeout or a reset: worth another try after a pause.
        logger.warning("push to %s to be retried: %s", origin, reason)
        return PushOutcome(
            message.key, Result.RETRY, status, parse_retry_after(retry_after), reason=reason
        )
    # The endpoint is an opaque capability URL: log the service, not the subscription.
    logger.warning("push to %s failed: %s", origin, reason)
    return PushOutcome(message.key, Result.FAILED, status, reason=reason)


async def _post(
    pusher: WebPusher,
    payload: bytes,
    origin: str,
    options: SendOptions,
    timeout: aiohttp.ClientTimeout,
    topic: str,
) -> tuple[int | None, str | None, str]:
    """(status, Retry-After, reason); status None when no answer came (timeout, reset), 0 when
    the message could not be made."""
    headers = {**options.vapid.for_origin(origin), "Urgency": options.urgency}
    if topic:
        headers["Topic"] = topic
    try:
        response = await pusher.send_async(
            payload,
            headers,
            ttl=options.ttl,
            content_encoding="aes128gcm",
            timeout=timeout,
        )
    except (WebPushException, ValueError) as exc:
        return 0, None, f"encryption failed: {type(exc).__name__}"
    except TimeoutError:
        return None, None, "timeout"
    except aiohttp.ServerDisconnectedError:
        return None, None, "connection reset"
    except (aiohttp.ClientError, OSError) as exc:
        return None, None, f"connection error: {type(exc).__name__}"
    assert isinstance(response, aiohttp.ClientResponse)
    return response.status, response.headers.get("Retry-After"), f"HTTP {response.status}"
