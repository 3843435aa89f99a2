"""Push batching shared by every server process, through Django's cache (Redis, REDIS_URL).

Without REDIS_URL (the demo, a laptop) or when Redis fails, each post queues its own push task:
the cache only ever saves work, it is never the truth.
"""

import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def _key(group_id: int) -> str:
    return f"chat:push-queued:{group_id}"


def push_batch_join(*, group_id: int, seconds: int) -> bool:
    """True when a push task for the group was queued within `seconds` (this post rides along
    with it); otherwise marks that one is being queued now and returns False."""
    if not settings.REDIS_URL or seconds < 1:
        return False
    try:
        return not cache.add(_key(group_id), 1, timeout=seconds)
    except Exception as error:
        logger.warning("chat: push batching unavailable: %s", error)
        return False


def push_batch_leave(*, group_id: int) -> None:
    """Queuing the push failed: the next post queues one."""
    if not settings.REDIS_URL:
        return
    try:
        cache.delete(_key(group_id))
    except Exception as error:
        logger.warning("chat: push batching unavailable: %s", error)
