"""The API's default throttles: DRF's rates and scopes, counted per fixed window."""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _CountPerWindow:
    """Counts a client's requests in fixed windows of the rate's period.

    DRF's SimpleRateThrottle keeps the time of every request in the period and reads and
    writes that whole list through the cache on each request: at the default user rate of
    6,000 a minute, up to 6,000 timestamps pickled to and from Redis per request. Here the
    cache holds (window number, count), one small value whatever the rate. A client may
    spend its allowance at the end of one window and again at the start of the next, so at
    most twice the rate over one period; DRF's own check-then-write race is the same.
    """

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        stored = self.cache.get(self.key)
        count = stored[1] if isinstance(stored, tuple) and stored[0] == window else 0
        self.window_end = (window + 1) * self.duration
        if count >= self.num_requests:
            return False
        self.cache.set(self.key, (window, count + 1), self.duration)
        return True

    def wait(self):
        return max(0.0, self.window_end - self.now)


class AnonThrottle(_CountPerWindow, AnonRateThrottle):
    pass


class UserThrottle(_CountPerWindow, UserRateThrottle):
    pass
