"""No secret in any log line.

A representative run through the public surface, with every logger of Django, allauth and
our apps at DEBUG (SQL included): log in with a password, use the session token, create and
use an API key, reset a password, store an integration's OAuth tokens, issue and accept team
and chat invites, and try each secret where it is refused (a reused token, a revoked key).
Every captured line, with its traceback, is then searched for each secret the run created.

Then the URLs: every route of the URLconf (allauth's, the admin's, the API router's) whose
path carries a parameter named like a secret gets a concrete path with a known secret in it,
and that path, raw and inside a `next=` encoded once and twice, must come out of gunicorn's
access log and Django's log filter without the secret. A new route with a token in its path
is covered by being added. The sign-in pages' real links (password reset, email
confirmation) and a team invite link bounced through the login page are followed as a
person would, and their log lines checked.
"""

import importlib.util
import io
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import pytest
from django.contrib.auth.views import redirect_to_login
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from core.redaction import RedactSecretsFilter, redact
from teams import services as team_services
from teams.tests.factories import TeamFactory, verify_email

LOGGERS = ["", "django", "django.request", "django.db.backends", "django.security", "allauth"]
APP_LOGGERS = ["accounts", "activity", "social", "teams", "auditing", "config", "celery"]
NEW_PASSWORD = "a-brand-new-Secret-passphrase-77"

# Django's database session backend keys its rows by the session key itself, so the SQL log
# shows it. That logger is pinned to WARNING in settings (LOGGING) and Django writes query
# lines only with DEBUG on, so no deployed log has them; every other secret is checked in the
# SQL lines too (API keys, reset and invite tokens are stored as hashes, OAuth tokens
# encrypted).
SQL_BY_DESIGN = {("django.db.backends", "session token")}


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[tuple[str, str]] = []

    def emit(self, record):
        # factory-boy logs the fixtures' own set_password() calls: the test, not the app.
        if not record.name.startswith("factory"):
            self.lines.append((record.name, self.format(record)))


@pytest.fixture
def captured_logs():
    handler = _Collect()
    saved = {}
    for name in LOGGERS + APP_LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = (logger.level, logger.disabled)
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    logging.getLogger().addHandler(handler)
    debug_cursor = connection.force_debug_cursor
    connection.force_debug_cursor = True  # SQL with its parameters goes to the log too
    try:
        yield handler.lines
    finally:
        connection.force_debug_cursor = debug_cursor
        logging.getLogger().removeHandler(handler)
        for name, (level, disabled) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.disabled = disabled


def _app_login(user, password) -> tuple[int, str | None]:
    response = Client().post(
        "/_allauth/app/v1/auth/login",
        {"username": user.username, "password": password},
        content_type="application/json",
    )
    token = response.json().get("meta", {}).get("session_token")
    return response.status_code, token


@pytest.mark.django_db(transaction=True)
def test_no_secret_reaches_any_log_line(captured_logs, django_capture_on_commit_callbacks):
    secrets: dict[str, str] = {"password": DEFAULT_PASSWORD, "new password": NEW_PASSWORD}
    alice, bob = UserFactory(), UserFactory()
    verify_email(bob)

    # Passwords: a failed login and a good one (the session token is a secret too).
    assert _app_login(alice, "wrong-" + DEFAULT_PASSWORD)[0] in {400, 401}
    secrets["wrong password"] = "wrong-" + DEFAULT_PASSWORD
    status, session_token = _app_login(alice, DEFAULT_PASSWORD)
    assert status == 200 and session_token
    secrets["session token"] = session_token
    by_session = APIClient(HTTP_X_SESSION_TOKEN=session_token)
    assert by_session.get("/api/v1/me/").status_code == 200

    # API keys: created, used for reads and writes, revoked, then refused.
    created = by_session.post(
        "/api/v1/me/api-keys/", {"key_name": "ci", "permissions": ["read", "write"]}
    )
    assert created.status_code == 201, created.content
    raw_key = next(v for k, v in created.json().items() if k in {"key", "api_key", "raw_key"})
    secrets["api key"] = raw_key
    by_key = APIClient(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert by_key.get("/api/v1/activities/").status_code == 200
    heartbeat = {"app_name": "Code", "window_title": "main.py", "timestamp": "2026-01-05T09:00:00Z"}
    assert by_key.post("/api/v1/activities/heartbeat/", heartbeat, format="json").status_code < 300
    assert by_session.delete(f"/api/v1/me/api-keys/{created.json()['id']}/").status_code == 204
    assert by_key.get("/api/v1/activities/").status_code == 401

    # Integration OAuth tokens, stored encrypted.
    integration = {
        "provider": "github",
        "access_token": "gho_" + "s3cr3t" * 6,
        "refresh_token": "r" * 40,
    }
    secrets["oauth access token"] = integration["access_token"]
    secrets["oauth refresh token"] = integration["refresh_token"]
    assert by_session.post("/api/v1/integrations/", integration).status_code == 201

    # Team invite: issued, accepted, then reused.
    team = by_session.post("/api/v1/teams/", {"name": "Core"}).json()
    with django_capture_on_commit_callbacks(execute=True):
        invite = by_session.post(
            f"/api/v1/teams/{team['id']}/invites/", {"email": bob.email, "role": "member"}
        )
    assert invite.status_code == 201, invite.content
    secrets["team invite token"] = invite.json()["token"]
    bob_client = APIClient()
    bob_client.force_authenticate(bob)
    accept = {"token": invite.json()["token"]}
    assert bob_client.post("/api/v1/team-invites/accept/", accept).status_code == 201
    assert bob_client.post("/api/v1/team-invites/accept/", accept).status_code >= 400

    # Chat invite: the token is in the path, so a refused reuse must not log the path raw.
    group = by_session.post("/api/v1/chat-groups/", {"name": "Room"}).json()
    chat = by_session.post(f"/api/v1/chat-groups/{group['id']}/invites/", {"single_use": True})
    assert chat.status_code == 201, chat.content
    chat_token = chat.json()["token"]
    secrets["chat invite token"] = chat_token
    assert bob_client.post(f"/api/v1/chat-invites/{chat_token}/accept/").status_code == 200
    assert bob_client.post(f"/api/v1/chat-invites/{chat_token}/accept/").status_code < 500
    assert bob_client.post(f"/api/v1/chat-invites/{chat_token}x/accept/").status_code == 404

    # Password reset: the emailed token, used once, then refused.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        requested = APIClient().post("/api/v1/auth/password-reset/", {"email": alice.email})
    assert requested.status_code == 202
    reset_token = re.search(r"^([A-Za-z0-9_-]{40,})$", mail.outbox[-1].body, re.MULTILINE)[1]
    secrets["reset token"] = reset_token
    body = {"token": reset_token, "new_password": NEW_PASSWORD}
    confirm = APIClient().post("/api/v1/auth/password-reset/confirm/", body)
    assert confirm.status_code in {200, 204}, confirm.content
    assert APIClient().post("/api/v1/auth/password-reset/confirm/", body).status_code == 400
    assert _app_login(alice, NEW_PASSWORD)[0] == 200

    assert len(captured_logs) > 50, "logging was not captured"
    leaks = [
        f"{name} in: {line[:300]}"
        for logger, line in captured_logs
        for name, secret in secrets.items()
        if secret in line and (logger, name) not in SQL_BY_DESIGN
    ]
    assert not leaks, "\n".join(leaks)


def test_redaction_keeps_the_path_shape():

    assert redact("Not Found: /api/v1/chat-invites/abc_DEF-123/accept/") == (
        "Not Found: /api/v1/chat-invites/[redacted]/accept/"
    )
    assert redact("GET /team-invites/accept/?token=s3cret&x=1") == (
        "GET /team-invites/accept/?token=[redacted]&x=1"
    )
    assert redact("Not Found: /api/v1/teams/1/") == "Not Found: /api/v1/teams/1/"


def _gunicorn_settings():
    path = Path(__file__).resolve().parent.parent / "config" / "gunicorn.py"
    spec = importlib.util.spec_from_file_location("cadence_gunicorn_settings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GUNICORN = _gunicorn_settings()
# Every part of the request a format can name: line, path, query, referer, the Basic-auth
# user, request and response headers, and environ values.
ACCESS_LOG_FORMAT = (
    "%(r)s | %(U)s | %(q)s | %(f)s | %(u)s | %({authorization}i)s | %({cookie}i)s | "
    "%({x-session-token}i)s | %({http_authorization}e)s | %({raw_uri}e)s | "
    "%({query_string}e)s | %({set-cookie}o)s | %(s)s"
)


def _access_line(url: str, *, referer: str = "-", authorization: str = "", cookie: str = ""):
    """The access log line gunicorn, with config/gunicorn.py, writes for a GET of `url`."""
    from gunicorn.config import Config

    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", ACCESS_LOG_FORMAT)
    logger = GUNICORN.logger_class(config)
    path, _, query = url.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": url,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": referer,
    }
    headers = []
    if authorization:
        environ["HTTP_AUTHORIZATION"] = authorization
        headers.append(("AUTHORIZATION", authorization))
    if cookie:
        headers.append(("COOKIE", cookie))
    response = SimpleNamespace(
        status="201 Created", sent=12, headers=[("Set-Cookie", "sessionid=set-sess-55")]
    )
    handler = logger.access_log.handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logger.access(response, SimpleNamespace(headers=headers), environ, timedelta(0))
    finally:
        handler.setStream(previous)
    return stream.getvalue()


def test_the_gunicorn_access_log_keeps_tokens_and_credentials_out():
    token, key = "inv_tok_9f8e7d", "cad_abcd1234_s3cretpart"
    line = _access_line(
        f"/api/v1/chat-invites/{token}/accept/?token={token}",
        referer=f"https://cadence.example.com/invite?token={token}",
        authorization=f"Api-Key {key}",
        cookie="sessionid=sess-zz9",
    )
    assert "/api/v1/chat-invites/[redacted]/accept/" in line and "| 201" in line
    for secret in (token, key, "sess-zz9", "set-sess-55"):
        assert secret not in line
    assert GUNICORN.worker_class == "gthread" and GUNICORN.accesslog == "-"


def test_a_key_sent_as_the_basic_auth_user_name_is_not_logged():
    """A client may send `Basic base64(key)`, or the key as the user name of
    `Basic base64(key:)`; gunicorn's default format logs the user name (`%(u)s`)."""
    from base64 import b64encode

    key = "waka_6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab"
    for credentials in (key, f"{key}:", f"anyone:{key}"):
        basic = "Basic " + b64encode(credentials.encode()).decode()
        line = _access_line("/api/compat/wakatime/v1/users/current/heartbeats", authorization=basic)
        assert key not in line and basic not in line


# -- every route that carries a secret, from the URLconf ----------------------------------

# A path parameter whose name says it is a secret: the whole name or one `_` part of it.
SECRET_NAME = re.compile(
    r"(?:^|_)(?:key|token|code|secret|ticket|password|signature|uidb36|uidb64)(?:_|$)",
    re.IGNORECASE,
)
# Parameters named like a secret that are not one, each with the reason.
NOT_SECRET = {
    "preference_key": "a preference's name, chosen by its owner (/me/preferences/<key>/)",
    "key_id": "an API key's id, a UUID; the key itself never travels in a URL",
}
# Routes every walk must find: if one is missing, the walk is broken, not the routes gone.
KNOWN_SECRET_ROUTES = {
    "account_confirm_email",
    "account_reset_password_from_key",
    "chat-invite-accept",
}
_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>")


def _walk(patterns=None, prefix=()) -> Iterator[tuple[tuple, URLPattern]]:
    """Every URL pattern with the chain of patterns (include()s) above it."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        chain = (*prefix, entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, chain)
        else:
            yield chain, entry


def _parameter_names(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return [m["name"] for m in _ROUTE_PARAMETER.finditer(str(pattern))]
    return [m["name"] for m in _REGEX_GROUP.finditer(str(pattern))]


def _is_secret(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and name not in NOT_SECRET


def _value_for(name: str, regex: str) -> str:
    """A value the parameter's own regex accepts: a recognisable secret for a secret name,
    something plain otherwise."""
    plain = [str(uuid.UUID(int=1)), "1", "general"]
    candidates = [f"Sec{name.replace('_', '')}X9q7", *plain] if _is_secret(name) else plain
    for candidate in candidates:
        if re.fullmatch(regex, candidate):
            return candidate
    raise AssertionError(f"no test value for <{name}> matching {regex!r}: add one")


def _group_end(regex: str, start: int) -> int:
    """Index just past the parenthesised group opening at `start`."""
    depth, index = 0, start
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            index += 2
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        index += 1
        if depth == 0:
            return index
    raise AssertionError(f"unbalanced group in {regex!r}")


def _concrete(pattern) -> tuple[str, dict[str, str]]:
    """A path matching one pattern piece, and the values put into its parameters."""
    values: dict[str, str] = {}
    if isinstance(pattern, RoutePattern):

        def fill(match: re.Match) -> str:
            converter = pattern.converters[match["name"]]
            values[match["name"]] = _value_for(match["name"], converter.regex)
            return converter.to_url(converter.to_python(values[match["name"]]))

        return _ROUTE_PARAMETER.sub(fill, str(pattern)), values
    assert isinstance(pattern, RegexPattern)
    regex, path, index = str(pattern), "", 0
    for match in _REGEX_GROUP.finditer(regex):
        end = _group_end(regex, match.start())
        path += regex[index : match.start()]
        values[match["name"]] = _value_for(match["name"], regex[match.end() : end - 1])
        path += values[match["name"]]
        index = end
    path += regex[index:]
    return path.removeprefix("^").removesuffix("$").replace("\\", ""), values


def _secret_routes() -> list[tuple[str, str, list[str]]]:
    """(route, concrete path, the secret values in it) for every route with a secret
    parameter; each path is checked to resolve to its own route."""
    found = []
    for chain, entry in _walk():
        names = [name for piece in chain for name in _parameter_names(piece)]
        if not any(_is_secret(name) for name in names):
            continue
        path, values = "/", {}
        for piece in chain:
            piece_path, piece_values = _concrete(piece)
            path += piece_path
            values |= piece_values
        route = "".join(str(piece) for piece in chain)
        assert resolve(path).func == entry.callback, f"{path} does not resolve to {route}"
        secrets = [value for name, value in values.items() if _is_secret(name)]
        found.append((entry.name or route, path, secrets))
    return found


SECRET_ROUTES = _secret_routes()


def _wrapped_in_next(path: str) -> dict[str, str]:
    """The ways a path reaches a log line: as itself, and as the `next=` of a login redirect,
    encoded the way Django, allauth and browsers do it, once and twice."""
    once = quote(path, safe="")
    twice = quote(f"/accounts/login/?next={once}", safe="")
    return {
        "raw": path,
        "django's login redirect": redirect_to_login(path).url,
        "next= encoded once": f"/accounts/login/?next={once}",
        "next= encoded twice": f"/accounts/login/?next={twice}",
        "next= with slashes kept": f"/accounts/login/?next={quote(path, safe='/')}",
    }


def test_the_urlconf_walk_finds_the_known_secret_routes():
    assert {name for name, _, _ in SECRET_ROUTES} >= KNOWN_SECRET_ROUTES
    for name, reason in NOT_SECRET.items():
        assert reason and any(
            name in _parameter_names(piece) for chain, _ in _walk() for piece in chain
        ), f"{name} is no longer a route parameter: drop it from NOT_SECRET"


@pytest.mark.parametrize(("name", "path", "secrets"), SECRET_ROUTES, ids=lambda v: str(v))
def test_no_route_secret_reaches_the_logs(name, path, secrets, capsys):
    assert secrets
    for how, url in _wrapped_in_next(path).items():
        lines = {
            "access log": _access_line(url, referer=f"https://cadence.example.com{url}"),
            "django log": _django_line(f"Not Found: {url}"),
            "runserver log": _django_line(f'"GET {url} HTTP/1.1" 404 179'),
        }
        for where, line in lines.items():
            for secret in secrets:
                assert secret not in line, f"{name}, {how}: {where} keeps the secret: {line}"
            assert "[redacted]" in line, f"{name}, {how}: {where}: {line}"


def _query_secret_urls() -> list[tuple[str, str]]:
    """URLs whose query carries a secret: these can't be read off the URLconf."""
    urls = [
        ("team invite page", "/team-invites/accept/?token=SecQueryX9q7"),
        ("login code", "/accounts/login/code/confirm/?code=SecQueryX9q7"),
        ("api_key query", "/api/compat/wakatime/v1/users/current/heartbeats?api_key=SecQueryX9q7"),
        ("ticket query", "/ws/v1/?ticket=SecQueryX9q7&since=1"),
        ("reset key", "/accounts/password/reset/?key=SecQueryX9q7"),
        ("session token", "/anything/?x=1&session_token=SecQueryX9q7"),
    ]
    # Every OAuth callback: the provider's authorization code comes back in the query.
    for chain, entry in _walk():
        if (entry.name or "").endswith("callback"):
            path = "/" + "".join(_concrete(piece)[0] for piece in chain)
            urls.append((entry.name, f"{path}?code=SecQueryX9q7&state=abc"))
    return urls


@pytest.mark.parametrize(("name", "url"), _query_secret_urls(), ids=lambda v: str(v))
def test_no_query_secret_reaches_the_logs(name, url, capsys):
    for how, wrapped in _wrapped_in_next(url).items():
        for where, line in {
            "access log": _access_line(wrapped),
            "django log": _django_line(f"Bad Request: {wrapped}"),
        }.items():
            assert "SecQueryX9q7" not in line, f"{name}, {how}: {where} keeps it: {line}"


def _django_line(message: str) -> str:
    """`message` as Django's configured console handler writes it."""
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, (), None)
    RedactSecretsFilter().filter(record)
    return record.getMessage()


def test_the_console_handler_redacts_every_logger(settings):
    """The filter sits on the handler, so a logger nobody thought of is covered too."""
    handler = settings.LOGGING["handlers"]["console"]
    assert "redact_secrets" in handler.get("filters", [])
    console = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler))
    assert any(isinstance(f, RedactSecretsFilter) for f in console.filters)
    try:
        raise ValueError("bad link /accounts/confirm-email/SecTraceX9q7/")
    except ValueError:
        record = logging.LogRecord(
            "allauth", logging.ERROR, __file__, 1, "oops", (), sys.exc_info()
        )
    RedactSecretsFilter().filter(record)
    assert "SecTraceX9q7" not in logging.Formatter().format(record)


# -- the sign-in pages' real links ----------------------------------------------------------


@pytest.mark.django_db
def test_the_password_reset_link_from_the_pages_is_not_logged(
    captured_logs, django_capture_on_commit_callbacks, capsys
):
    user = UserFactory()
    verify_email(user)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/password/reset/", {"email": user.email})
    link = urlsplit(re.search(r"https?://\S+/password/reset/key/\S+", mail.outbox[-1].body)[0])
    key = link.path.rstrip("/").rsplit("/", 1)[1].split("-", 1)[1]
    response = Client().get(link.path)
    assert response.status_code in {200, 302}
    line = _access_line(link.path)
    assert key not in line and "/accounts/password/reset/key/[redacted]/" in line
    assert not [text for _, text in captured_logs if key in text]
    # A bad key is logged as a 4xx by nobody, and redacted when it is.
    assert key not in _django_line(f"Not Found: {link.path}")


@pytest.mark.django_db
def test_the_email_confirmation_link_from_the_pages_is_not_logged(
    captured_logs, django_capture_on_commit_callbacks, capsys
):
    signup = {
        "email": "newcomer@example.com",
        "username": "newcomer",
        "password1": DEFAULT_PASSWORD,
        "password2": DEFAULT_PASSWORD,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post("/accounts/signup/", signup).status_code == 302
    link = urlsplit(re.search(r"https?://\S+/confirm-email/\S+", mail.outbox[-1].body)[0])
    key = link.path.rstrip("/").rsplit("/", 1)[1]
    assert Client().get(link.path).status_code in {200, 302}
    line = _access_line(link.path)
    assert key not in line and "/accounts/confirm-email/[redacted]/" in line
    assert not [text for _, text in captured_logs if key in text]


@pytest.mark.django_db
def test_a_team_invite_link_bounced_through_the_login_page_is_not_logged(captured_logs, capsys):
    owner = UserFactory()
    team = TeamFactory(owner=owner)
    _, token = team_services.team_invite_create(
        team=team, acting_user=owner, email="guest@example.com"
    )
    link = f"/team-invites/accept/?token={token}"
    bounced = Client().get(link)
    assert bounced.status_code == 302 and token in bounced.url  # the login page's next=
    assert Client().get(bounced.url).status_code == 200
    for url in (link, bounced.url):
        line = _access_line(url, referer=f"https://cadence.example.com{link}")
        assert token not in line, line
    assert not [text for _, text in captured_logs if token in text]
