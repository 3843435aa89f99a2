"""Concurrent sending of encrypted push messages over one shared HTTP session.

No database access here: the caller hands in prepared messages and gets one outcome per message.
"""

import asyncio
import email.utils
import logging
import multiprocessing
import ssl
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import urlsplit

from cms.http1 import exchange

from .crypto import Recipient, VapidSigner, encrypt, public_key_from_point

logger = logging.getLogger(__name__)


class Result(StrEnum):
    SENT = "sent"
    EXPIRED = "expired"  # 404/410: the subscription is gone
    RETRY = "retry"  # 429/503: try again later
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PushMessage:
    key: int
    endpoint: str
    recipient: Recipient
    payload: bytes
    short_payload: bytes


@dataclass(frozen=True, slots=True)
class PushOutcome:
    key: int
    result: Result
    status: int | None = None
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class SendOptions:
    signer: VapidSigner
    ttl: int
    urgency: str
    concurrency_per_service: int
    ca_file: str = ""
    timeout: float = 30.0
    # A large fan-out is split over this many processes (this one and `processes - 1` more):
    # encryption and TLS are CPU work, and one Python process uses one core.
    processes: int = 1
    processes_from: int = 2000


def origin_of(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def parse_retry_after(value: str | None, default: float = 60.0) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def send_all(messages: Sequence[PushMessage], options: SendOptions) -> list[PushOutcome]:
    """Send every message; at most `concurrency_per_service` requests in flight per service."""
    if not messages:
        return []
    if options.processes <= 1 or len(messages) < options.processes_from:
        return asyncio.run(_send_all(messages, options))
    return _send_in_processes(messages, options, options.processes)


# --- a large fan-out over several processes ---------------------------------------------------

# What a sender process gets: plain bytes and strings (key objects cannot be pickled).
_WireMessage = tuple[int, str, bytes, bytes, bytes, bytes]
_WireOptions = tuple[str, str, int, str, int, str, float]


def _send_in_processes(
    messages: Sequence[PushMessage], options: SendOptions, parts: int
) -> list[PushOutcome]:
    """This process sends one share, `parts - 1` spawned processes the others.

    Each share gets its part of the per-service bound, so the bound holds for the whole fan-out.
    A share whose process dies is reported FAILED, never retried: some of it may have been
    delivered, and a notice reaches an alumnus at most once.
    """
    shares = [list(messages[n::parts]) for n in range(parts)]
    bound = max(1, options.concurrency_per_service // parts)
    local_options = replace(options, concurrency_per_service=bound)
    wire_options: _WireOptions = (
        options.signer.private_key_pem,
        options.signer.subject,
        options.ttl,
        options.urgency,
        bound,
        options.ca_file,
        options.timeout,
    )
    outcomes: dict[int, PushOutcome] = {}
    context = multiprocessing.get_context("spawn")  # no fork of a threaded worker process
    with ProcessPoolExecutor(max_workers=parts - 1, mp_context=context) as pool:
        futures = [
            (
                share,
                pool.submit(
                    _send_share,
                    [
                        (
                            m.key,
                            m.endpoint,
                            m.recipient.point,
                            m.recipient.auth_secret,
                            m.payload,
                            m.short_payload,
                        )
                        for m in share
                    ],
                    wire_options,
                ),
            )
            for share in shares[1:]
        ]
        for outcome in asyncio.run(_send_all(shares[0], local_options)):
            outcomes[outcome.key] = outcome
        for share, future in futures:
            try:
                for outcome in future.result():
                    outcomes[outcome.key] = outcome
            except (BrokenProcessPool, OSError, RuntimeError) as exc:
                logger.error("a push sender process failed: %s", type(exc).__name__)
                for m in share:
                    outcomes.setdefault(m.key, PushOutcome(m.key, Result.FAILED))
    return [outcomes[m.key] for m in messages]


def _send_share(wire: list[_WireMessage], wire_options: _WireOptions) -> list[PushOutcome]:
    """Runs in a sender process: rebuild the messages and options, then send."""
    pem, subject, ttl, urgency, bound, ca_file, timeout = wire_options
    options = SendOptions(
        signer=VapidSigner(private_key_pem=pem, subject=subject),
        ttl=ttl,
        urgency=urgency,
        concurrency_per_service=bound,
        ca_file=ca_file,
        timeout=timeout,
    )
    messages = [
        PushMessage(
            key, endpoint, Recipient(public_key_from_point(point), point, auth), full, short
        )
        for key, endpoint, point, auth, full, short in wire
    ]
    return asyncio.run(_send_all(messages, options))


class _Connection:
    """One keep-alive HTTP/1.1 connection to a push service.

    A push request is one small POST with a Content-Length and a near-empty answer; a plain
    HTTP/1.1 exchange over asyncio streams costs a fraction of a general-purpose client's work.
    """

    def __init__(self, origin: str, context: ssl.SSLContext) -> None:
        parts = urlsplit(origin)
        self.host = parts.hostname or ""
        self.port = parts.port or 443
        self.netloc = parts.netloc
        self.context = context
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str | None]:
        fresh = self.writer is None
        try:
            return await self._exchange(path, headers, body)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.close()
            if fresh:
                raise
            # A kept-alive connection the service had closed: once more on a new one.
            return await self._exchange(path, headers, body)

    async def _exchange(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str | None]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, ssl=self.context, server_hostname=self.host
            )
        assert self.reader is not None and self.writer is not None
        status, answer, _ = await exchange(
            self.reader,
            self.writer,
            method="POST",
            host=self.netloc,
            path=path,
            headers=headers,
            body=body,
        )
        if answer.get("connection", "").lower() == "close":
            self.close()
        return status, answer.get("retry-after")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _send_all(messages: Sequence[PushMessage], options: SendOptions) -> list[PushOutcome]:
    context = ssl.create_default_context()
    if options.ca_file:
        context.load_verify_locations(cafile=options.ca_file)
    by_origin: dict[str, list[tuple[PushMessage, str]]] = {}
    for message in messages:
        parts = urlsplit(message.endpoint)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        by_origin.setdefault(f"{parts.scheme}://{parts.netloc}", []).append((message, path))
    outcomes: dict[int, PushOutcome] = {}

    async def worker(origin: str, queue: list[tuple[PushMessage, str]]) -> None:
        connection = _Connection(origin, context)
        try:
            while queue:
                message, path = queue.pop()
                outcomes[message.key] = await _send_one(connection, origin, path, message, options)
        finally:
            connection.close()

    # The bound per push service: that many connections, each sending one request at a time.
    workers = [
        worker(origin, queue)
        for origin, queue in by_origin.items()
        for _ in range(min(options.concurrency_per_service, len(queue)))
    ]
    await asyncio.gather(*workers)
    return [outcomes[m.key] for m in messages]


async def _send_one(
    connection: _Connection, origin: str, path: str, message: PushMessage, options: SendOptions
) -> PushOutcome:
    status, retry_after = await _post(connection, origin, path, message.payload, message, options)
    if status == 413 and message.short_payload != message.payload:
        status, retry_after = await _post(
            connection, origin, path, message.short_payload, message, options
        )
    if status is not None and 200 <= status < 300:
        return PushOutcome(message.key, Result.SENT, status)
    if status in (404, 410):
        return PushOutcome(message.key, Result.EXPIRED, status)
    if status in (429, 503):
        return PushOutcome(message.key, Result.RETRY, status, parse_retry_after(retry_after))
    # The endpoint is an opaque capability URL: log the service, not the subscription.
    logger.warning("push to %s failed with status %s", origin, status)
    return PushOutcome(message.key, Result.FAILED, status)


async def _post(
    connection: _Connection,
    origin: str,
    path: str,
    payload: bytes,
    message: PushMessage,
    options: SendOptions,
) -> tuple[int | None, str | None]:
    headers = {
        "Authorization": options.signer.header(origin),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(options.ttl),
        "Urgency": options.urgency,
    }
    body = encrypt(payload, message.recipient)
    try:
        async with asyncio.timeout(options.timeout):
            return await connection.request(path, headers, body)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
        connection.close()
        logger.warning("push to %s failed: %s", origin, type(exc).__name__)
        return None, None
