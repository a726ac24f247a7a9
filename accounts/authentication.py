"""DRF authentication classes for the ways API clients identify themselves."""

import hmac

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts import services, tokens
from accounts.models import ApiKey
from accounts.permissions import api_key_refusal
from core.client_ip import client_ip
from core.throttling import count_in_window

API_KEY_KEYWORD = "Api-Key"


# A key's row, its user and the user's settings (which decide whether tracking is accepted),
# cached by key hash: most API traffic is trackers calling with a key several times a
# minute, and this saves two queries on each call. The receivers in
# accounts.signals drop an entry whenever the key, its user or their settings change, so a
# revoked key or a deactivated user is refused on the next request. That takes a cache all
# processes share (Redis, as in production), so without REDIS_URL nothing is cached
# (API_KEY_CACHE_SECONDS). Secrets (the password hash, the encrypted OpenAI key) are never
# loaded, hence never cached.
def _caching() -> bool:
    return settings.API_KEY_CACHE_SECONDS > 0


def api_key_cache_key(key_hash: str) -> str:
    return f"accounts:api-key:{key_hash}"


def api_key_cache_set(api_key: ApiKey) -> None:
    cache.set(api_key_cache_key(api_key.key_hash), api_key, settings.API_KEY_CACHE_SECONDS)


def api_key_cache_forget(key_hashes) -> None:
    cache.delete_many([api_key_cache_key(key_hash) for key_hash in key_hashes])


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key cad_<prefix>_<secret>`: the key's owner becomes request.user.

    Refuses (401) unknown, expired, revoked and inactive keys and keys of inactive or
    deleted users; a request its scopes don't cover is 403 (accounts.permissions). Repeated
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
        well_formed = bool(raw_key) and len(raw_key) <= 200 and tokens.looks_like_api_key(raw_key)
        key_hash = tokens.digest(raw_key) if well_formed else ""
        # One cache round trip: the failure counts that may refuse the request, and the
        # cached lookup when there is one.
        failure_key = self._failure_cache_key(request)
        cached_key = api_key_cache_key(key_hash) if key_hash and _caching() else None
        found = cache.get_many([failure_key, *([cached_key] if cached_key else [])])
        limit, window = settings.API_KEY_FAILURE_LIMIT
        if found.get(failure_key, 0) >= limit:
            raise exceptions.Throttled(wait=window)
        api_key = self._lookup(key_hash, found.get(cached_key)) if key_hash else None
        if api_key is None:
            count_in_window(cache, failure_key, window)
            raise exceptions.AuthenticationFailed("Invalid or expired API key.")
        view = (getattr(request, "parser_context", None) or {}).get("view")
        refusal = api_key_refusal(api_key, request, view)
        if refusal is not None:
            raise exceptions.PermissionDenied(refusal)
        if services.api_key_mark_used(api_key=api_key) and _caching():
            api_key_cache_set(api_key)
        return api_key.user, api_key

    @staticmethod
    def _lookup(key_hash: str, cached: ApiKey | None) -> ApiKey | None:
        api_key = cached
        if api_key is None:
            api_key = (
                ApiKey.objects.usable()
                .select_related("user__settings")
                .defer("user__password", "user__settings__openai_api_key")
                .filter(key_hash=key_hash)
                .first()
            )
            if api_key is not None and _caching():
                api_key_cache_set(api_key)
        if api_key is None or not hmac.compare_digest(api_key.key_hash, key_hash):
            return None
        if api_key.expires_at is not None and api_key.expires_at <= timezone.now():
            return None
        user = api_key.user
        if not user.is_active or user.is_deleted:
            return None
        return api_key

    # Failures are counted per client address (the one client-IP rule) in the shared cache
    # (Redis when configured), and only there: counted per key prefix as well, anyone could
    # lock a victim's key out by sending bad keys that start with its public prefix.
    @staticmethod
    def _failure_cache_key(request) -> str:
        return f"accounts:api-key-failures:ip:{client_ip(request)}"


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth headless `X-Session-Token`, with a challenge so anonymous requests get 401.

    A revoked token's session is destroyed by accounts.middleware before DRF sees it.
    """

    def authenticate_header(self, request):
        return 'X-Session-Token realm="api"'
