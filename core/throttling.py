"""The API's throttles: DRF's rates and scopes, counted per fixed window, with the client
told apart by the one client-IP rule (core.client_ip)."""

from typing import TYPE_CHECKING

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from core.client_ip import client_ip

if TYPE_CHECKING:
    _Throttle = SimpleRateThrottle
else:
    _Throttle = object


def count_in_window(cache, key: str, timeout: int) -> int | None:
    """Add one to the counter at `key` (created to expire after `timeout`) and return it;
    None when the cache is down. One round trip on Redis (TolerantRedisCache.count)."""
    count = getattr(cache, "count", None)
    if count is not None:
        return count(key, timeout)
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


class ClientIPIdent:
    """DRF's `get_ident` reads `X-Forwarded-For` whenever it is present (unless NUM_PROXIES
    is set), so a client rotating that header would be a new client on every request. Ours
    is the address core.client_ip trusts."""

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"


class _CountPerWindow(ClientIPIdent, _Throttle):
    """Counts a client's requests in fixed windows of the rate's period.

    DRF's SimpleRateThrottle keeps the time of every request in the period and reads and
    writes that whole list through the cache on each request: up to the rate's whole
    allowance of timestamps (thousands at the default user rate), pickled to and from Redis
    per request. Here each window has its own counter, named by the window's number and
    expiring with it, and a request adds one to it: one round trip on Redis, and no
    read-then-write race, so no more than the rate gets through in one window. A client may
    spend its allowance at the end of one window and again at the start of the next, so at
    most twice the rate over one period. With the cache down, requests are let through.
    """

    # Set by SimpleRateThrottle from the rate.
    duration: int
    num_requests: int

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        count = count_in_window(self.cache, f"{self.key}:{window}", self.duration)
        return count is None or count <= self.num_requests

    def wait(self):
        return max(0.0, self.window_end - self.now)


class AnonThrottle(_CountPerWindow, AnonRateThrottle):
    pass


class UserThrottle(_CountPerWindow, UserRateThrottle):
    pass


class RateThrottle(_CountPerWindow, SimpleRateThrottle):
    """The base of an app's own throttles: set `scope` and `get_cache_key`."""
