"""What the API lets a request do beyond being signed in: what an API key's scopes allow,
what only a person in a signed-in session may do, and the staff endpoints' two-factor rule.

Scopes are checked for every request a key authenticates (accounts.authentication calls
`api_key_refusal`), so no view can forget them:

- `read`: GET, HEAD and OPTIONS anywhere the key's owner may read;
- `write`: any method (and so reading too);
- `ingest`: only the tracker endpoints below, the ones that record activity.

Whatever its scopes, no key creates or revokes keys, signs sessions out or changes email,
password, two-factor or passkeys: those views add `SessionOnlyWrites` or check
`recently_reauthenticated`, and allauth's own account endpoints don't take keys at all.
"""

import time
from types import SimpleNamespace

from allauth.account import app_settings as allauth_account_settings
from allauth.account.authentication import get_authentication_records
from django.contrib.sessions.backends.base import SessionBase
from rest_framework import permissions

from accounts.admin_access import staff_has_required_mfa
from accounts.models import ApiKey

# The endpoints an `ingest` key may call, as (method, URL name in the API's namespace):
# activity events, one or a bulk list; heartbeats; user activities. A view outside this
# list opts in for all its methods with a class attribute `allowed_for_ingest = True`
# (the tracker compatibility APIs, whose clients only ever send activity).
INGEST_ROUTES = frozenset(
    {
        ("POST", "api:activity-list"),
        ("POST", "api:activity-heartbeat"),
        ("POST", "api:user-activity-list"),
    }
)

READ_ONLY_MESSAGE = "This API key is read-only."
INGEST_ONLY_MESSAGE = "This API key may only send activity events and heartbeats."
SESSION_ONLY_MESSAGE = (
    "API keys can't create or revoke keys, sign sessions out or change credentials; "
    "do this from a signed-in session."
)


def api_key_of(request) -> ApiKey | None:
    """The API key that authenticated the request, if one did."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiKey) else None


def is_ingest_endpoint(request, view) -> bool:
    if view is not None and getattr(view, "allowed_for_ingest", False):
        return True
    match = getattr(request, "resolver_match", None)
    return match is not None and (request.method, match.view_name) in INGEST_ROUTES


def api_key_refusal(api_key: ApiKey, request, view) -> str | None:
    """Why the key's scopes don't cover this request, or None when they do."""
    if request.method in permissions.SAFE_METHODS and api_key.can_read:
        return None
    if api_key.can_write:
        return None
    if api_key.can_ingest and is_ingest_endpoint(request, view):
        return None
    return READ_ONLY_MESSAGE if api_key.can_read else INGEST_ONLY_MESSAGE


class SessionOnlyWrites(permissions.BasePermission):
    """Reads with any credentials; changes only from a signed-in session, never a key."""

    message = SESSION_ONLY_MESSAGE

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or api_key_of(request) is None


def _session_of(request) -> SessionBase | None:
    # An app's X-Session-Token session is the request's `auth`; a browser's is the cookie's.
    auth = getattr(request, "auth", None)
    if isinstance(auth, SessionBase):
        return auth
    session = getattr(request, "session", None)
    return session if isinstance(session, SessionBase) else None


def recently_reauthenticated(request) -> bool:
    """Whether the request comes from a session whose person confirmed it is them (allauth's
    reauthentication: password, code or two-factor) within ACCOUNT_REAUTHENTICATION_TIMEOUT.

    The sign-in itself doesn't count, as in allauth: a session left open or stolen must not
    be enough. An API key never is.
    """
    if api_key_of(request) is not None or not request.user.is_authenticated:
        return False
    session = _session_of(request)
    if session is None:
        return False
    records = get_authentication_records(SimpleNamespace(session=session), request.user)
    methods = allauth_account_settings.REAUTHENTICATION_METHODS
    times = [
        record.get("at", 0)
        for record in records
        if isinstance(record, dict)
        and record.get("reauthenticated")
        and record.get("method") in methods
    ]
    timeout = allauth_account_settings.REAUTHENTICATION_TIMEOUT
    return bool(times) and time.time() - max(times) < timeout


def reauthentication_needed_message() -> str:
    minutes = max(1, allauth_account_settings.REAUTHENTICATION_TIMEOUT // 60)
    return (
        "Confirm it's you first: re-enter your password (POST /_allauth/app/v1/auth/"
        'reauthenticate {"password": ...} with your X-Session-Token, or /accounts/'
        "reauthenticate/ in the browser; /_allauth/app/v1/auth/2fa/reauthenticate takes a "
        f"two-factor code), then send this request again within {minutes} minutes. API keys "
        "can't change credentials."
    )


def staff_refusal(user) -> str | None:
    """Why `user` may not use staff endpoints, or None: they must be staff, with two-factor
    set up when ADMIN_REQUIRE_MFA says the admin needs it."""
    if user is None or not user.is_authenticated or not user.is_staff:
        return "Only staff may do this."
    if not staff_has_required_mfa(user):
        return "Set up two-factor authentication to use staff endpoints."
    return None


def is_staff_with_mfa(user) -> bool:
    return staff_refusal(user) is None


class StaffWithMFA(permissions.BasePermission):
    """Staff endpoints let in the people the admin lets in."""

    message = "Only staff may do this."

    def has_permission(self, request, view):
        refusal = staff_refusal(request.user)
        if refusal is not None:
            self.message = refusal
        return refusal is None


class StaffWithMFAWritesOrReadOnly(StaffWithMFA):
    """Anyone the view lets in reads; only staff, as StaffWithMFA, write."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or super().has_permission(request, view)
