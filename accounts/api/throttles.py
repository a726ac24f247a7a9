"""Throttles for the anonymous account endpoints; rates in settings.ACCOUNTS_THROTTLE_RATES."""

from django.conf import settings

from accounts import tokens
from core.throttling import RateThrottle


class _AccountsThrottle(RateThrottle):
    def get_rate(self):
        # Read at request time (not import time) so deployments and tests can change it.
        return settings.ACCOUNTS_THROTTLE_RATES[self.scope]


class PasswordResetIPThrottle(_AccountsThrottle):
    scope = "password_reset"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PasswordResetEmailThrottle(_AccountsThrottle):
    """Per address, so one inbox can't be flooded from many IPs. The address is hashed:
    cache keys must not hold personal data."""

    scope = "password_reset_email"

    def get_cache_key(self, request, view):
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        ident = tokens.digest(email.strip().lower())
        return self.cache_format % {"scope": self.scope, "ident": ident}
