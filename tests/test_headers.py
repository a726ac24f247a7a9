"""Response headers: a Content-Security-Policy on every page, API docs from the installed
package files (no CDN), no caching of authenticated API answers, and a health check that
answers on plain HTTP behind a TLS-terminating load balancer.

The pages are generated from the URLconf: every route without parameters is fetched as a
signed-in staff member, so a new page is checked by being added.
"""

import importlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.tests.factories import DEFAULT_PASSWORD, StaffUserFactory, UserFactory

ROOT = Path(settings.BASE_DIR)


# -- what a page holds ----------------------------------------------------------------------


class _Page(HTMLParser):
    """The inline scripts and styles of a page, their nonces, event-handler attributes, and
    every URL the page loads."""

    def __init__(self):
        super().__init__()
        self.inline: list[tuple[str, str | None]] = []  # (tag, nonce)
        self.handlers: list[str] = []
        self.style_attributes: list[str] = []
        self.loads: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
        if "style" in attributes:
            self.style_attributes.append(f"<{tag} style={attributes['style']!r}>")
        data_block = (attributes.get("type") or "").endswith("json")
        if tag == "script" and not attributes.get("src") and not data_block:
            self.inline.append((tag, attributes.get("nonce")))
        if tag == "style":
            self.inline.append((tag, attributes.get("nonce")))
        for name in ("src", "href"):
            if tag in {"script", "link", "img", "iframe"} and attributes.get(name):
                self.loads.append(attributes[name])


def _policy(response, header="Content-Security-Policy") -> dict[str, list[str]]:
    value = response.headers.get(header, "")
    directives = (part.split() for part in value.split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


def _nonce(policy: dict[str, list[str]]) -> str | None:
    for source in policy.get("script-src", []):
        if source.startswith("'nonce-"):
            return source.removeprefix("'nonce-").removesuffix("'")
    return None


def _assert_strict(path: str, response) -> None:
    policy = _policy(response)
    assert policy, f"{path}: no Content-Security-Policy ({response.status_code})"
    assert policy["default-src"] == ["'self'"], path
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], path
    assert policy["base-uri"] == ["'none'"], path
    script = policy["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, path
    assert all(source == "'self'" or source.startswith("'nonce-") for source in script), path
    content_type = response.headers.get("Content-Type", "")
    if not content_type.startswith("text/html"):
        return
    page = _Page()
    page.feed(response.content.decode())
    nonce = _nonce(policy)
    for tag, tag_nonce in page.inline:
        assert tag_nonce is not None and tag_nonce == nonce, f"{path}: inline <{tag}> no nonce"
    assert not page.handlers, f"{path}: inline event handlers CSP blocks: {page.handlers}"
    for url in page.loads:
        assert not re.match(r"^(https?:)?//", url), f"{path} loads {url} from elsewhere"


# -- every page, from the URLconf -------------------------------------------------------------


def _plain_routes(patterns=None, prefix="") -> list[str]:
    """Every route without parameters, as a path."""
    paths = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        pattern = entry.pattern
        if not isinstance(pattern, RoutePattern) or pattern.converters:
            continue
        if isinstance(entry, URLResolver):
            paths += _plain_routes(entry.url_patterns, prefix + str(pattern))
        else:
            paths.append("/" + prefix + str(pattern))
    return sorted(set(paths))


PAGES = _plain_routes()
# Pages that change state when fetched; the rest are fetched as they are.
SKIPPED = {"/accounts/logout/"}


@pytest.fixture
def staff_browser(db):
    staff = StaffUserFactory(is_superuser=True)
    # An error page gets the policy too; which status each page answers is tested elsewhere.
    browser = Client(raise_request_exception=False)
    browser.force_login(staff)
    return browser


def test_the_walk_finds_the_pages_people_see():
    assert {"/accounts/login/", "/accounts/api-keys/", "/admin/", "/api/docs/"} <= set(PAGES)


@pytest.mark.parametrize("path", [p for p in PAGES if p not in SKIPPED])
def test_every_page_has_a_strict_content_security_policy(staff_browser, path):
    response = staff_browser.get(path)
    if path == "/api/redoc/":
        policy = _policy(response)
        assert policy["script-src"] == ["'self'", f"'nonce-{_nonce(policy)}'"]
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
        assert policy["worker-src"] == ["'self'", "blob:"]
        return
    _assert_strict(path, response)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/key/1-bad-key/",
        "/accounts/confirm-email/bad-key/",
        "/team-invites/accept/?token=nope",
        "/admin/",
        "/api/docs/",
        "/healthz/",
        "/api/v1/me/",
        "/no-such-page/",
    ],
)
def test_signed_out_pages_have_it_too(db, path):
    _assert_strict(path, Client().get(path))


def test_the_admin_change_list_nonce_matches_its_inline_style(staff_browser):
    """The admin's change list has an inline <style> with {% csp_nonce_attr %}: the nonce
    in the page is the one in the header, so the style applies."""
    response = staff_browser.get("/admin/auditing/auditlog/")
    assert response.status_code == 200
    nonce = _nonce(_policy(response))
    assert nonce and f'nonce="{nonce}"' in response.content.decode()
    assert f"'nonce-{nonce}'" in _policy(response)["style-src"]


# -- our templates, statically ------------------------------------------------------------------

TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
TEMPLATES = sorted(
    str(path.relative_to(ROOT))
    for folder in TEMPLATE_DIRS
    for path in folder.rglob("*.html")
    if ".venv" not in path.parts
)
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
_INLINE_STYLE = re.compile(r"<style[^>]*>")
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


@pytest.mark.parametrize("template", TEMPLATES)
def test_our_templates_run_under_the_policy(template):
    """Inline scripts and styles carry {% csp_nonce_attr %}; no inline event handlers or
    style attributes (no nonce can allow those)."""
    text = (ROOT / template).read_text()
    for tag in _INLINE_SCRIPT.findall(text) + _INLINE_STYLE.findall(text):
        assert "csp_nonce_attr" in tag, f"{template}: {tag} has no nonce"
    assert not _HANDLER.search(text), f"{template}: inline event handler"
    assert not _STYLE_ATTRIBUTE.search(text), f"{template}: style attribute"


# -- the API docs -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_api_docs_load_only_installed_static_files(db, path):
    response = Client().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    page = _Page()
    page.feed(html)
    assert page.loads, "the page loads no script or stylesheet"
    for url in page.loads:
        assert url.startswith(settings.STATIC_URL), f"{path} loads {url}"
        assert finders.find(url.removeprefix(settings.STATIC_URL)), f"{url} is not installed"
    assert not re.search(r"https?://", html), f"{path} names another site"
    bundles = "".join(page.loads)
    assert ("swagger-ui-bundle.js" in bundles) or ("redoc.standalone.js" in bundles)


def test_the_api_docs_are_linked_from_the_schema_routes(db):
    assert Client().get("/api/schema/").status_code == 200
    assert {"/api/docs/", "/api/redoc/", "/api/schema/"} <= set(PAGES)


# -- cache headers on API answers ---------------------------------------------------------------

CREDENTIAL_HEADERS = {"authorization", "cookie", "x-session-token"}


def _vary(response) -> set[str]:
    return {part.strip().lower() for part in response.headers.get("Vary", "").split(",")}


def _assert_private(response) -> None:
    assert response.headers.get("Cache-Control") == "no-store", response.headers
    assert _vary(response) >= CREDENTIAL_HEADERS, response.headers.get("Vary")


@pytest.mark.django_db
def test_an_api_key_answer_is_never_stored(user):
    _, key = account_services.api_key_create(user=user, key_name="cache")
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")
    for path in ("/api/v1/me/", "/api/v1/activities/", "/api/v1/me/settings/"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.content)
        _assert_private(response)
    created = client.post("/api/v1/activities/heartbeat/", _heartbeat(), format="json")
    assert created.status_code in {200, 201}, created.content
    _assert_private(created)


def _heartbeat() -> dict:
    return {"app_name": "Code", "window_title": "x", "timestamp": "2026-01-05T09:00:00Z"}


@pytest.mark.django_db
def test_session_token_and_cookie_answers_are_never_stored():
    user = UserFactory()
    login = Client().post(
        "/_allauth/app/v1/auth/login",
        {"username": user.username, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert login.status_code == 200
    assert login.headers.get("Cache-Control") == "no-store"  # it carries the session token
    token = login.json()["meta"]["session_token"]
    _assert_private(APIClient(HTTP_X_SESSION_TOKEN=token).get("/api/v1/me/"))

    browser = Client()
    browser.force_login(user)
    _assert_private(browser.get("/api/v1/me/"))


@pytest.mark.django_db
def test_anonymous_api_answers_still_vary_with_the_credentials():
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert _vary(response) >= CREDENTIAL_HEADERS
    assert "x-session-token" not in _vary(Client().get("/accounts/login/"))


# -- the health check on plain HTTP ---------------------------------------------------------------


@pytest.fixture
def production(monkeypatch, settings):
    """The HTTPS switches of config.settings.production, on top of the test settings."""
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    monkeypatch.setenv("ALLOWED_HOSTS", "testserver")
    module = importlib.reload(importlib.import_module("config.settings.production"))
    for name in ("SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT", "SECURE_PROXY_SSL_HEADER"):
        setattr(settings, name, getattr(module, name))
    assert settings.SECURE_SSL_REDIRECT
    return module


@pytest.mark.django_db
def test_the_health_check_answers_on_plain_http(production):
    client = Client()  # built after the settings change: SecurityMiddleware reads them once
    health = client.get("/healthz/")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    for path in ("/api/v1/me/", "/accounts/login/", "/healthz/extra", "/admin/"):
        response = client.get(path)
        assert response.status_code == 301, path
        assert response.url.startswith("https://"), path
    secure = client.get("/healthz/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
