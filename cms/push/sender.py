"""Concurrent sending of encrypted push messages over one shared HTTP session.

No database access here: the caller hands in prepared messages and gets one outcome per message.
"""

import asyncio
import email.utils
import logging
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import aiohttp

from .crypto import Recipient, VapidSigner, encrypt

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
    return asyncio.run(_send_all(messages, options))


async def _send_all(messages: Sequence[PushMessage], options: SendOptions) -> list[PushOutcome]:
    context = ssl.create_default_context()
    if options.ca_file:
        context.load_verify_locations(cafile=options.ca_file)
    limits = {
        origin_of(m.endpoint): asyncio.Semaphore(options.concurrency_per_service) for m in messages
    }
    connector = aiohttp.TCPConnector(
        ssl=context, limit=0, limit_per_host=options.concurrency_per_service
    )
    timeout = aiohttp.ClientTimeout(total=options.timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        return list(
            await asyncio.gather(
                *(_send_one(session, m, options, limits[origin_of(m.endpoint)]) for m in messages)
            )
        )


async def _send_one(
    session: aiohttp.ClientSession,
    message: PushMessage,
    options: SendOptions,
    limit: asyncio.Semaphore,
) -> PushOutcome:
    async with limit:
        status, retry_after = await _post(session, message, message.payload, options)
        if status == 413 and message.short_payload != message.payload:
            status, retry_after = await _post(session, message, message.short_payload, options)
    if status is not None and 200 <= status < 300:
        return PushOutcome(message.key, Result.SENT, status)
    if status in (404, 410):
        return PushOutcome(message.key, Result.EXPIRED, status)
    if status in (429, 503):
        return PushOutcome(message.key, Result.RETRY, status, parse_retry_after(retry_after))
    # The endpoint is an opaque capability URL: log the service, not the subscription.
    logger.warning("push to %s failed with status %s", origin_of(message.endpoint), status)
    return PushOutcome(message.key, Result.FAILED, status)


async def _post(
    session: aiohttp.ClientSession, message: PushMessage, payload: bytes, options: SendOptions
) -> tuple[int | None, str | None]:
    headers = {
        "Authorization": options.signer.header(origin_of(message.endpoint)),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(options.ttl),
        "Urgency": options.urgency,
    }
    body = encrypt(payload, message.recipient)
    try:
        async with session.post(message.endpoint, data=body, headers=headers) as response:
            await response.read()
            return response.status, response.headers.get("Retry-After")
    except (aiohttp.ClientError, TimeoutError) as exc:
        logger.warning("push to %s failed: %s", origin_of(message.endpoint), type(exc).__name__)
        return None, None
