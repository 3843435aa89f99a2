"""What every server process shares through Redis: group versions, push batching.

Only when REDIS_URL is set; without it, and whenever Redis fails, the database answers (Redis
only ever saves work, it is never the truth). One client (and connection pool) per process:
Django's cache API builds a new client for every call, which costs more than the poll it saves.

A group's version is written to Redis by whoever changes the group, while it holds the group's
row lock (before commit): writes reach Redis in version order, so the cached version is never
older than the committed one. A reader that misses reads the database and only *adds* the
value (SET NX), so it cannot overwrite a newer one. Every entry expires after
CHAT_VERSION_CACHE_SECONDS: the bound on staleness should Redis ever lose a write.
"""

import functools
import logging
from typing import Any

from django.conf import settings

from .models import CommunityGroup

logger = logging.getLogger(__name__)


@functools.cache
def _client() -> Any:
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)


def _redis() -> Any:
    return _client() if settings.REDIS_URL else None


def _key(kind: str, group_id: int) -> str:
    return f"{settings.REDIS_KEY_PREFIX}:chat:{kind}:{group_id}"


def group_version(*, group_id: int) -> int | None:
    """The version of an active group (None when there is no such group): from Redis, or one
    query."""
    redis = _redis()
    if redis is not None:
        try:
            cached = redis.get(_key("version", group_id))
        except Exception as error:
            logger.warning("chat: Redis unavailable: %s", error)
            redis = None
        else:
            if cached is not None:
                return int(cached)
    version = (
        CommunityGroup.objects.filter(pk=group_id, is_active=True)
        .values_list("version", flat=True)
        .first()
    )
    if version is not None and redis is not None:
        try:
            redis.set(
                _key("version", group_id), version, nx=True, ex=settings.CHAT_VERSION_CACHE_SECONDS
            )
        except Exception as error:
            logger.warning("chat: Redis unavailable: %s", error)
    return version


def group_version_publish(*, group_id: int, version: int) -> None:
    """Tell every process the group's new version; call it holding the group's row lock."""
    redis = _redis()
    if redis is None:
        return
    try:
        redis.set(_key("version", group_id), version, ex=settings.CHAT_VERSION_CACHE_SECONDS)
    except Exception as error:
        logger.warning("chat: version of group %s not published: %s", group_id, error)


def group_version_forget(*, group_id: int) -> None:
    """The group itself changed (its name, its rules, closed): the next poll reads it again."""
    redis = _redis()
    if redis is None:
        return
    try:
        redis.delete(_key("version", group_id))
    except Exception as error:
        logger.warning("chat: version of group %s not cleared: %s", group_id, error)


def push_batch_join(*, group_id: int, seconds: int) -> bool:
    """True when a push task for the group was queued within `seconds` (this post rides along
    with it); otherwise marks that one is being queued now and returns False."""
    redis = _redis()
    if redis is None or seconds < 1:
        return False
    try:
        return not redis.set(_key("push-queued", group_id), 1, nx=True, ex=seconds)
    except Exception as error:
        logger.warning("chat: push batching unavailable: %s", error)
        return False


def push_batch_leave(*, group_id: int) -> None:
    """Queuing the push failed: the next post queues one."""
    redis = _redis()
    if redis is None:
        return
    try:
        redis.delete(_key("push-queued", group_id))
    except Exception as error:
        logger.warning("chat: push batching unavailable: %s", error)
