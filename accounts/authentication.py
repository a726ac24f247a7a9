"""DRF authentication classes for the ways API clients identify themselves."""

import hmac

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from django.conf import settings
from django.core.cache import cache
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from accounts import services, tokens
from accounts.models import ApiKey

API_KEY_KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key cad_<prefix>_<secret>`: the key's owner becomes request.user.

    Refuses (401) unknown, expired, revoked and inactive keys and keys of inactive or
    deleted users; a key without the `write` scope gets 403 on unsafe methods. Repeated
    failures from one address are throttled (429) so keys can't be guessed online.
    """

    def authenticate_header(self, request):
        return f'{API_KEY_KEYWORD} realm="api"'

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        keyword, _, raw_key = header.partition(" ")
        if keyword.lower() != API_KEY_KEYWORD.lower():
            return None
        raw_key = raw_key.strip()
        self._refuse_if_throttled(request, raw_key)
        api_key = self._lookup(raw_key)
        if api_key is None:
            self._count_failure(request, raw_key)
            raise exceptions.AuthenticationFailed("Invalid or expired API key.")
        if request.method not in SAFE_METHODS and not api_key.can_write:
            raise exceptions.PermissionDenied("This API key is read-only.")
        services.api_key_mark_used(api_key=api_key)
        return api_key.user, api_key

    @staticmethod
    def _lookup(raw_key: str) -> ApiKey | None:
        if not raw_key or len(raw_key) > 200 or not tokens.looks_like_api_key(raw_key):
            return None
        key_hash = tokens.digest(raw_key)
        api_key = ApiKey.objects.usable().select_related("user").filter(key_hash=key_hash).first()
        if api_key is None or not hmac.compare_digest(api_key.key_hash, key_hash):
            return None
        user = api_key.user
        if not user.is_active or user.is_deleted:
            return None
        return api_key

    # Failures are counted per client address and per key prefix (the public part naming
    # one key, hence one account) in the shared cache (Redis when configured).
    @staticmethod
    def _failure_cache_keys(request, raw_key: str) -> list[str]:
        keys = [f"accounts:api-key-failures:ip:{request.META.get('REMOTE_ADDR', '')}"]
        prefix = tokens.api_key_prefix(raw_key)
        if prefix:
            keys.append(f"accounts:api-key-failures:prefix:{prefix}")
        return keys

    def _refuse_if_throttled(self, request, raw_key: str) -> None:
        limit, window = settings.API_KEY_FAILURE_LIMIT
        counts = cache.get_many(self._failure_cache_keys(request, raw_key))
        if any(count >= limit for count in counts.values()):
            raise exceptions.Throttled(wait=window)

    def _count_failure(self, request, raw_key: str) -> None:
        _, window = settings.API_KEY_FAILURE_LIMIT
        for key in self._failure_cache_keys(request, raw_key):
            if not cache.add(key, 1, timeout=window):
                try:
                    cache.incr(key)
                except ValueError:
                    cache.set(key, 1, timeout=window)


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth headless `X-Session-Token`, with a challenge so anonymous requests get 401.

    A revoked token's session is destroyed by accounts.middleware before DRF sees it.
    """

    def authenticate_header(self, request):
        return 'X-Session-Token realm="api"'
