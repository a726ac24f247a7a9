"""Request middleware: the audit context for each request, and one SessionActivity row."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid

from django.conf import settings
from django.db import DatabaseError, connections, router

from auditing.context import AuditContext, Source, reset_context, set_request_context
from auditing.models import SessionActivity
from auditing.writer import session_activity_writer
from core.client_ip import client_ip

logger = logging.getLogger(__name__)

# A client's X-Request-ID is kept only when it is this plain (no spaces, quotes or line
# breaks to forge log lines with) and fits the column.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def source_of(path: str) -> str:
    if path.startswith("/admin/"):
        return Source.ADMIN
    if path.startswith(("/api/", "/_allauth/")):
        return Source.API
    return Source.WEB


def session_hash(request) -> str:
    """SHA-256 hex of the session key: X-Session-Token for app clients, else the cookie's."""
    key = request.headers.get("X-Session-Token") or getattr(
        getattr(request, "session", None), "session_key", None
    )
    return hashlib.sha256(key.encode()).hexdigest() if key else ""


class AuditContextMiddleware:
    """Stamps every change made while serving the request with actor, IP, agent and request id.

    The request id is always the server's own, new for every request and sent back in the
    X-Request-ID response header; an X-Request-ID the client sent is kept beside it
    (`client_request_id`), never instead of it, so two requests never share an id.

    The request itself is stored, not its user: DRF authenticates inside the view, and the
    context reads `request.user` only when a change is recorded.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        client_request_id = incoming if _CLIENT_REQUEST_ID.match(incoming) else ""
        request_id = uuid.uuid4().hex
        request.audit_request_id = request_id
        request.audit_client_request_id = client_request_id
        token = set_request_context(
            AuditContext(
                source=source_of(request.path_info),
                request=request,
                ip_address=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:1000],
                request_id=request_id,
                client_request_id=client_request_id,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            reset_context(token)
        response.headers["X-Request-ID"] = request_id
        return response


class SessionActivityMiddleware:
    """One INSERT per authenticated request, after the response; nothing else. In production
    the INSERT itself is left to a thread (auditing.writer), off the request's path.

    Static files and the health check are skipped. Session analytics counters are folded in
    later from these rows (auditing.tasks), so a request never pays a second query.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.skip_prefixes = tuple(
            prefix
            for prefix in (settings.STATIC_URL, settings.MEDIA_URL, "/healthz/", "/favicon.ico")
            if prefix
        )

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(self.skip_prefixes):
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        match = request.resolver_match
        endpoint = ("/" + match.route) if match is not None and match.route else ""
        try:
            self.record(request, user, endpoint, response)
        except DatabaseError:
            # Telemetry must never turn a served response into a 500.
            logger.warning("session activity not recorded", exc_info=True)
        return response

    @staticmethod
    def record(request, user, endpoint: str, response) -> None:
        insert_session_activity(
            SessionActivity(
                session_id=session_hash(request),
                user_id=user.pk,
                activity_type=(
                    SessionActivity.Type.API_CALL
                    if source_of(request.path_info) == Source.API
                    else SessionActivity.Type.PAGE_VIEW
                ),
                endpoint=endpoint[:255],
                method=request.method[:10],
                client_ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:512],
                request_id=getattr(request, "audit_request_id", ""),
                client_request_id=getattr(request, "audit_client_request_id", ""),
                response_status=response.status_code,
            )
        )


def insert_session_activity(row: SessionActivity) -> None:
    """INSERT one row as save() would write it, without save()'s machinery: no receivers are
    connected to this model and nothing is read back, and this runs on every authenticated
    request, so the statement is built once per database and only the values change.

    With AUDIT_SESSION_ACTIVITY_BACKGROUND on, the values are fixed here and the INSERT is
    left to auditing.writer, after the response."""
    connection = connections[router.db_for_write(SessionActivity)]
    fields = SessionActivity._meta.concrete_fields
    sql = _INSERT_SQL.get(connection.alias)
    if sql is None:
        # Identifiers come from the model and are quoted; values go as parameters.
        table = connection.ops.quote_name(SessionActivity._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
        _INSERT_SQL[connection.alias] = sql
    values = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    if settings.AUDIT_SESSION_ACTIVITY_BACKGROUND and session_activity_writer.submit(
        connection.alias, sql, values
    ):
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


_INSERT_SQL: dict[str, str] = {}
