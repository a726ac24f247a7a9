"""Who is acting, from where: the request context every audit row is stamped with.

Middleware fills it per request; `audit_context(...)` fills it for commands, tasks and the
shell. Receivers read it when a signal fires, so a user that DRF authenticates inside the
view (API key, session token) is still the actor: the middleware stores the request and the
user is looked up lazily.
"""

from __future__ import annotations

import contextlib
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Model


class Source:
    API = "api"
    ADMIN = "admin"
    WEB = "web"
    CLI = "cli"
    TASK = "task"
    SYSTEM = "system"

    choices = [
        (API, "API"),
        (ADMIN, "Admin"),
        (WEB, "Web"),
        (CLI, "Command line"),
        (TASK, "Background task"),
        (SYSTEM, "System"),
    ]


@dataclass(frozen=True)
class AuditContext:
    source: str = Source.SYSTEM
    user: Any = None
    request: Any = None
    ip_address: str | None = None
    user_agent: str = ""
    request_id: str = ""
    # The X-Request-ID the client sent, kept beside the server's own request_id.
    client_request_id: str = ""
    api_key_id: Any = None

    @property
    def actor_api_key_id(self):
        """The API key the request authenticated with, when DRF's authenticator returned one.

        DRF copies `request.auth` onto the Django request, so an authenticator that returns a
        key model instance as `auth` makes that key the one recorded.
        """
        if self.api_key_id is not None:
            return self.api_key_id
        auth = getattr(self.request, "auth", None) if self.request is not None else None
        pk = getattr(auth, "pk", None) if isinstance(auth, Model) else None
        return pk if isinstance(pk, uuid.UUID) else None

    @property
    def actor(self):
        """The acting user: explicit, or the request's user as authenticated so far."""
        if self.user is not None:
            return self.user
        if self.request is not None:
            user = getattr(self.request, "user", None)
            if user is not None and user.is_authenticated:
                return user
        return None


_NO_CONTEXT = AuditContext()
_current: ContextVar[AuditContext | None] = ContextVar("cadence_audit_context", default=None)


def get_context() -> AuditContext:
    """The current context; outside any request or `audit_context`, source `system`, no actor."""
    return _current.get() or _NO_CONTEXT


@contextlib.contextmanager
def audit_context(*, user=None, source: str = Source.CLI, **values: Any):
    """Attribute changes made inside the block to `user` (or to nobody) from `source`.

    with audit_context(user=staff, source="cli"):
        team_delete(team=team)
    """
    values.setdefault("request_id", uuid.uuid4().hex)
    context = replace(_NO_CONTEXT, user=user, source=source, **values)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def set_request_context(context: AuditContext):
    """Used by the middleware; returns the token to reset with."""
    return _current.set(context)


def reset_context(token) -> None:
    _current.reset(token)
