"""Django's Redis cache backend, keeping one redis-py client per connection pool.

Django's `RedisCacheClient` builds a new `redis.Redis` around the pool on every cache call, and
redis-py fills a table of ~170 reply handlers in each one: on a request that only reads its
session from Redis (a chat poll) that was a tenth of the CPU. A client is only a view on its
pool (which is thread-safe and holds the connections), so one per pool is enough.
"""

from typing import Any

from django.core.cache.backends import redis as django_redis


class ReusingRedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's own attributes (not in django-stubs): the pool, and redis-py's client class.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[id(pool)] = client
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
