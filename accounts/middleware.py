"""Enforce tracked sessions: a revoked or expired UserSession ends on its next request."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import AnonymousUser

from accounts import selectors, services, tokens
from core.client_ip import client_ip


def _session_store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


class UserSessionMiddleware:
    """Place after AuthenticationMiddleware.

    Counts the request against the session's row in one UPDATE (user_session_touch). When
    the row is no longer live, the session itself is destroyed, so the cookie or
    `X-Session-Token` stops working everywhere (pages, admin, API, allauth headless), not
    only in our own views.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request.headers.get("X-Session-Token")
        start_hash = None
        if token:
            self._check_token(token, client_ip(request))
        elif request.session.get(SESSION_KEY):
            start_hash = self._check_cookie_session(request)
        request.cadence_session_hash_at_start = start_hash
        response = self.get_response(request)
        if start_hash is not None:
            self._follow_key_rotation(request, start_hash)
        return response

    @staticmethod
    def _follow_key_rotation(request, start_hash: str) -> None:
        # Django gives a session a new key on password change (update_session_auth_hash).
        new_key = request.session.session_key
        if not new_key or not request.session.get(SESSION_KEY):
            return
        services.user_session_follow_key(old_hash=start_hash, new_hash=tokens.digest(new_key))

    @staticmethod
    def _check_token(token: str, client_ip: str | None) -> None:
        if len(token) > 200:
            return
        key_hash = tokens.digest(token)
        if services.user_session_touch(key_hash=key_hash, client_ip=client_ip):
            return
        if selectors.user_session_tracked(key_hash=key_hash):
            _session_store(token).delete()

    def _check_cookie_session(self, request) -> str | None:
        """Returns the hash of the session's key while it is signed in, else None."""
        session_key = request.session.session_key
        if not session_key:
            return None
        key_hash = tokens.digest(session_key)
        if services.user_session_touch(key_hash=key_hash, client_ip=client_ip(request)):
            return key_hash
        if selectors.user_session_tracked(key_hash=key_hash):
            request.session.flush()
            request.user = AnonymousUser()
            return None
        # A session signed in before tracking existed: adopt it rather than end it.
        user_id = request.user.pk
        user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        if user is not None:
            services.user_session_start(
                user=user,
                session_key=session_key,
                expires_at=request.session.get_expiry_date(),
                client_ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
                login_method="unknown",
            )
            return key_hash
        return None
