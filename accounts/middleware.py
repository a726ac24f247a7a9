"""Enforce tracked sessions: a revoked or expired UserSession ends on its next request."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.db.models import F
from django.utils import timezone

from accounts import services, tokens
from accounts.models import UserSession


def _session_store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


class UserSessionMiddleware:
    """Place after AuthenticationMiddleware.

    Counts the request against the session's row in one UPDATE. When the row is no longer
    live, the session itself is destroyed, so the cookie or `X-Session-Token` stops working
    everywhere (pages, admin, API, allauth headless) — not only in our own views.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request.headers.get("X-Session-Token")
        if token:
            self._check_token(token)
        elif request.session.get(SESSION_KEY):
            self._check_cookie_session(request)
        return self.get_response(request)

    @staticmethod
    def _touch(key_hash: str) -> int:
        return (
            UserSession.objects.live()
            .filter(session_key_hash=key_hash)
            .update(last_activity=timezone.now(), request_count=F("request_count") + 1)
        )

    def _check_token(self, token: str) -> None:
        if len(token) > 200:
            return
        key_hash = tokens.digest(token)
        if self._touch(key_hash):
            return
        if UserSession.objects.filter(session_key_hash=key_hash).exists():
            _session_store(token).delete()

    def _check_cookie_session(self, request) -> None:
        session_key = request.session.session_key
        if not session_key:
            return
        key_hash = tokens.digest(session_key)
        if self._touch(key_hash):
            return
        if UserSession.objects.filter(session_key_hash=key_hash).exists():
            request.session.flush()
            request.user = AnonymousUser()
            return
        # A session signed in before tracking existed: adopt it rather than end it.
        user = request.user
        if user.is_authenticated:
            services.user_session_start(
                user=user,
                session_key=session_key,
                expires_at=request.session.get_expiry_date(),
                client_ip=request.META.get("REMOTE_ADDR"),
                user_agent=request.headers.get("User-Agent", ""),
                login_method="unknown",
            )
