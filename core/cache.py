"""The Redis cache backend: one client per connection pool, and degraded rather than failing
when Redis is unreachable."""

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger("core.cache")

_MISSING = object()


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, with one `redis.Redis` per connection pool instead of a
    new one for every cache call: an API request makes several cache calls (throttles,
    API-key lookup), and building a client for each is work repeated for nothing. A client
    is safe to share between threads; each command takes its own connection from the pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(  # type: ignore[attr-defined]
                connection_pool=pool
            )
        return client


def _tolerate(name: str, default: Any = None) -> Callable[..., Any]:
    """RedisCache's method `name`, answering `default` (called, if callable) and logging a
    warning when Redis can't be reached."""
    method = getattr(RedisCache, name)

    def wrapper(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except RedisError as exc:
            logger.warning("cache %s failed, degraded: %s", name, type(exc).__name__)
            return default() if callable(default) else default

    wrapper.__name__ = name
    return wrapper


class TolerantRedisCache(RedisCache):
    """Django's Redis cache, degraded rather than failing when Redis is unreachable.

    Throttle counters, rate limits and cached lookups are worth less than the request: a
    read answers "not cached" and a write is dropped, with a warning in the log.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    _get = _tolerate("get")

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        # A miss, with the caller's default (DRF throttles pass [] for "no history").
        value = self._get(key, _MISSING, version)
        return default if value is None or value is _MISSING else value

    get_many = _tolerate("get_many", dict)
    set = _tolerate("set")
    set_many = _tolerate("set_many", list)
    add = _tolerate("add", False)
    touch = _tolerate("touch", False)
    delete = _tolerate("delete", False)
    delete_many = _tolerate("delete_many")
    has_key = _tolerate("has_key", False)
    clear = _tolerate("clear", False)
    incr = _tolerate("incr", 1)
    get_or_set = _tolerate("get_or_set")

    def count(self, key, timeout: int, version=None) -> int | None:
        """Add one to the counter at `key`, created with `timeout`, in one round trip.

        SET NX creates the counter with its expiry and INCR adds to it, in one MULTI: the
        counter never lives without its expiry, and no read-then-write race loses a count.
        None when Redis can't be reached.
        """
        key = self.make_and_validate_key(key, version=version)
        try:
            client: Any = self._cache.get_client(key, write=True)
            pipeline = client.pipeline(transaction=True)
            pipeline.set(key, 0, ex=max(1, int(timeout)), nx=True).incr(key)
            return pipeline.execute()[1]
        except RedisError as exc:
            logger.warning("cache count failed, degraded: %s", type(exc).__name__)
            return None
