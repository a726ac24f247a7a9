"""The browser suite's machinery: a live Cadence, a live OpenID Connect provider, Chromium.

Loaded by tests/e2e/conftest.py only when `make e2e` runs the suite (CADENCE_E2E=1). The
session starts two real servers on free loopback ports, each its own process with its own
SQLite file, and stops them at the end; the test process reads Cadence's database through
the ORM (same settings, same file) to arrange users and inspect results.
"""

from __future__ import annotations

import email
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "e2e-artifacts"))
SCREENSHOTS = ARTIFACTS / "screenshots"
FAILURES = ARTIFACTS / "failures"
LOGS = ARTIFACTS / "logs"

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Every host name but loopback fails to resolve: a page that reaches for the internet
    # (a CDN script, a font) fails at once instead of hanging the test offline.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

PASSWORD = "Correct-Horse-Battery-42"
OIDC_PROVIDER_ID = "loopback"
OIDC_CLIENT = {"id": "cadence-oidc", "secret": "oidc-client-secret-for-loopback"}
GOOGLE_CLIENT = {"id": "cadence-google", "secret": "google-client-secret-for-loopback"}
PROVIDER_PEOPLE = {
    "olivia": {
        "username": "olivia",
        "email": "olivia@provider.test",
        "password": PASSWORD,
        "first_name": "Olivia",
        "last_name": "Ide",
    },
    "gwen": {
        "username": "gwen",
        "email": "gwen@provider.test",
        "password": PASSWORD,
        "first_name": "Gwen",
        "last_name": "Goo",
    },
    "pia": {
        "username": "pia",
        "email": "pia@provider.test",
        "password": PASSWORD,
        "first_name": "Pia",
        "last_name": "Protocol",
    },
    "carl": {
        "username": "carl",
        "email": "carl@provider.test",
        "password": PASSWORD,
        "first_name": "Carl",
        "last_name": "Connect",
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url}: not ready after {timeout}s; see {log}")


def _run_together(jobs: dict[str, tuple[list[str], dict]]) -> None:
    """Run one-off commands side by side (they touch different databases); all must pass."""
    running = {}
    for name, (args, env) in jobs.items():
        out = (LOGS / f"{name}.log").open("w")
        running[name] = (subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=out), out)
    failed = []
    for name, (process, out) in running.items():
        if process.wait() != 0:
            failed.append(name)
        out.close()
    if failed:
        raise RuntimeError(f"{', '.join(failed)} failed; see {LOGS}")


def _serve(servers: dict[str, tuple[list[str], dict, str]]) -> list[subprocess.Popen]:
    """Start servers side by side and wait until each answers its readiness URL."""
    started = []
    try:
        for name, (args, env, _) in servers.items():
            out = (LOGS / f"{name}.log").open("w")
            started.append(subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=out))
        for process, (name, (_, _, ready_url)) in zip(started, servers.items(), strict=True):
            _wait_ready(ready_url, process, LOGS / f"{name}.log")
    except Exception:
        for process in started:
            _stop(process)
        raise
    return started


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _signing_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


class Outbox:
    """Cadence's mail as the file backend writes it: one file per connection."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def messages(self, to: str | None = None) -> list[email.message.EmailMessage]:
        found = []
        for file in sorted(self.path.glob("*.log"), key=lambda p: p.stat().st_mtime):
            for chunk in file.read_text().split("\n" + "-" * 79 + "\n"):
                if not chunk.strip():
                    continue
                message = email.message_from_string(chunk, policy=policy.default)
                if to is None or to in (message["To"] or ""):
                    found.append(message)
        return found

    def link(self, to: str, pattern: str, timeout: float = 10) -> str:
        """The first URL matching `pattern` in the newest message to `to` that has one."""
        deadline = time.monotonic() + timeout
        while True:
            for message in reversed(self.messages(to)):
                body = message.get_body(preferencelist=("plain", "html"))
                text = body.get_content() if body is not None else ""
                match = re.search(rf"https?://\S*{pattern}\S*", text)
                if match:
                    return match.group(0).rstrip(".")
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail to {to} with a link matching {pattern!r}")
            time.sleep(0.2)


@dataclass
class Stack:
    cadence_url: str
    provider_url: str
    outbox: Outbox
    provider_people: dict = field(default_factory=lambda: PROVIDER_PEOPLE)
    _serial: int = 0

    def unique(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial}{secrets.token_hex(2)}"

    def url(self, path: str) -> str:
        return self.cadence_url + path


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    for folder in (SCREENSHOTS, FAILURES, LOGS):
        folder.mkdir(parents=True, exist_ok=True)
    work = tmp_path_factory.mktemp("servers")
    cadence_port, provider_port = free_port(), free_port()
    cadence_url = f"http://127.0.0.1:{cadence_port}"
    provider_url = f"http://127.0.0.1:{provider_port}"
    outbox = work / "outbox"
    outbox.mkdir()
    key_file = work / "provider-key.pem"
    key_file.write_text(_signing_key_pem())

    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    base_env["PYTHONUNBUFFERED"] = "1"
    provider_env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.provider_settings",
        "E2E_PROVIDER_DB": str(work / "provider.sqlite3"),
        "E2E_PROVIDER_KEY_FILE": str(key_file),
    }
    spec = {
        "users": list(PROVIDER_PEOPLE.values()),
        "clients": [
            {
                **OIDC_CLIENT,
                "name": "Cadence",
                "redirect_uris": [
                    f"{cadence_url}/accounts/oidc/{OIDC_PROVIDER_ID}/login/callback/"
                ],
            },
            {
                **GOOGLE_CLIENT,
                "name": "Cadence via Google",
                "redirect_uris": [f"{cadence_url}/accounts/google/login/callback/"],
            },
        ],
    }
    spec_file = work / "provider-spec.json"
    spec_file.write_text(json.dumps(spec))

    from cryptography.fernet import Fernet

    cadence_env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.server_settings",
        "DATABASE_URL": f"sqlite:///{work / 'cadence.sqlite3'}",
        "EMAIL_URL": f"filemail:///{outbox}",
        "ACCOUNT_EMAIL_VERIFICATION": "mandatory",
        "SECRET_KEY": "cadence-e2e-secret-key-for-loopback-tests-only-0123456789",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "ADMIN_REQUIRE_MFA": "true",
        "OIDC_PROVIDER_ID": OIDC_PROVIDER_ID,
        "OIDC_NAME": "Loopback SSO",
        "OIDC_CLIENT_ID": OIDC_CLIENT["id"],
        "OIDC_CLIENT_SECRET": OIDC_CLIENT["secret"],
        "OIDC_SERVER_URL": provider_url,
        "GOOGLE_CLIENT_ID": GOOGLE_CLIENT["id"],
        "GOOGLE_CLIENT_SECRET": GOOGLE_CLIENT["secret"],
        "E2E_PROVIDER_URL": provider_url,
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    }
    _run_together(
        {
            "provider-setup": (
                [sys.executable, "-m", "tests.e2e.provider_setup", str(spec_file)],
                provider_env,
            ),
            "cadence-migrate": ([sys.executable, "manage.py", "migrate", "--noinput"], cadence_env),
        }
    )
    serve = [sys.executable, "manage.py", "runserver", "--noreload"]
    cadence, provider = _serve(
        {
            "cadence": (
                [*serve, f"127.0.0.1:{cadence_port}"],
                cadence_env,
                f"{cadence_url}/healthz/",
            ),
            "provider": (
                [*serve, f"127.0.0.1:{provider_port}"],
                provider_env,
                f"{provider_url}/.well-known/openid-configuration",
            ),
        }
    )

    # The test process reads and arranges Cadence's database with the server's own settings.
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain
    # blocking calls between browser steps, which is what the async-unsafe switch allows.
    os.environ.update(cadence_env)
    import django

    django.setup()
    try:
        yield Stack(cadence_url=cadence_url, provider_url=provider_url, outbox=Outbox(outbox))
    finally:
        _stop(cadence)
        _stop(provider)


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as playwright:
        # launch() gives every run a fresh temporary user-data-dir of its own.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_context(request, browser, stack):
    """Open browser contexts (separate cookie jars); on failure every open page is shot."""
    contexts: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        context = browser.new_context(
            base_url=stack.cadence_url, viewport=DESKTOP, locale="en-US", **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for c, context in enumerate(contexts):
            for p, page in enumerate(context.pages):
                try:
                    page.screenshot(path=FAILURES / f"{name}-{c}-{p}.png", full_page=True)
                except Exception as exc:
                    print(f"screenshot of {name} failed: {exc}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


# --- helpers the tests share ------------------------------------------------------


def totp_code(secret: str, *, offset: int = 0) -> str:
    """What an authenticator app shows for `secret`, `offset` periods from now."""
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + offset * totp.interval)


def make_user(
    username: str,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    staff: bool = False,
    superuser: bool = False,
):
    """A Cadence user with a verified primary email, straight into the live database."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    email = email or f"{username}@cadence.test"
    user = get_user_model().objects.create_user(
        username=username,
        email=email,
        password=password,
        is_staff=staff or superuser,
        is_superuser=superuser,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def submit(page: Page, selector: str = "form") -> None:
    """Press the submit button of the page's main form, the way a person would."""
    page.locator(selector).locator("button[type=submit]:not([form])").last.click()


def login(page: Page, login: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=password]) button[type=submit]:not([form])").click()
    page.wait_for_load_state()


def logout(page: Page) -> None:
    page.goto("/accounts/logout/")
    page.locator("form[action*='logout'] button[type=submit]:not([form])").click()
    page.wait_for_url(lambda url: "/accounts/logout/" not in url)


def is_logged_in(page: Page) -> bool:
    """Whether the browser's session cookie still opens the email management page."""
    page.goto("/accounts/email/")
    return urlsplit(page.url).path == "/accounts/email/"


def shoot(page: Page, name: str) -> list[str]:
    """Screenshot the current page at desktop and phone widths; return the widths that overflow.

    Overflow is what a person sees as a sideways scrollbar: the document wider than the window.
    """
    overflowing = []
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(50)
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            overflowing.append(f"{name} at {label}: {widths[0]}px > {widths[1]}px")
    page.set_viewport_size(DESKTOP)
    return overflowing


def provider_login_path(provider: str) -> str:
    """Cadence's start URL for a provider: the generic OIDC app or a named one (google)."""
    if provider == "google":
        return "/accounts/google/login/"
    return f"/accounts/oidc/{OIDC_PROVIDER_ID}/login/"


def through_provider(page: Page, stack: Stack, person: dict | None) -> None:
    """From Cadence's "continue to the provider" page to back in Cadence, on the provider's
    own pages: its login form (unless the browser is already signed in there, person=None)
    and its consent screen."""
    authorize_urls: list[str] = []

    def note_authorize(request) -> None:
        if request.url.startswith(f"{stack.provider_url}/identity/o/authorize"):
            authorize_urls.append(request.url)

    page.on("request", note_authorize)
    page.locator("form button[type=submit]:not([form])").click()  # Cadence: "Continue"
    page.wait_for_url(f"{stack.provider_url}/**")
    if person is not None:
        page.wait_for_url(f"{stack.provider_url}/accounts/login/**")
        page.fill("input[name=login]", person["username"])
        page.fill("input[name=password]", person["password"])
        page.locator("form:has(input[name=password]) button[type=submit]:not([form])").click()
    page.wait_for_url(f"{stack.provider_url}/identity/o/authorize**")
    page.locator("button[value=grant]").click()
    page.wait_for_url(f"{stack.cadence_url}/**")
    page.wait_for_load_state()
    page.remove_listener("request", note_authorize)
    # The authorization code flow with PKCE: no bare code grant.
    first = authorize_urls[0]
    assert "response_type=code" in first
    assert "code_challenge_method=S256" in first
    assert "code_challenge=" in first


def sso_login(page: Page, stack: Stack, person: dict | None, provider: str = "oidc") -> None:
    """Sign in to Cadence from its login page with a provider's button."""
    page.goto("/accounts/login/")
    page.locator(f"a[href*='{provider_login_path(provider)}']").click()
    through_provider(page, stack, person)


class Authenticator:
    """The test's authenticator app: a TOTP secret and the codes already typed.

    allauth refuses a code that was used once in its period, as a real second factor should,
    so the next code is waited for rather than reused.
    """

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.used: set[str] = set()

    def code(self) -> str:
        period = pyotp.TOTP(self.secret).interval
        while True:
            current = totp_code(self.secret)
            # A code read in the last seconds of its period may expire before it is checked.
            if current not in self.used and period - time.time() % period > 4:
                self.used.add(current)
                return current
            time.sleep(0.5)

    def wrong_code(self) -> str:
        valid = {totp_code(self.secret, offset=o) for o in (-1, 0, 1)}
        return next(c for c in ("000000", "123456", "654321", "111111") if c not in valid)


def reauthenticate_if_asked(page: Page, password: str = PASSWORD) -> None:
    """Sensitive pages ask for the password again (allauth's reauthentication)."""
    if "/accounts/reauthenticate/" in page.url:
        page.fill("input[name=password]", password)
        page.locator("form:has(input[name=password]) button[type=submit]:not([form])").click()
        page.wait_for_url(lambda url: "/accounts/reauthenticate/" not in url)


def enable_totp(page: Page) -> tuple[Authenticator, list[str]]:
    """Enable TOTP on the 2FA pages; return the authenticator and the recovery codes shown."""
    page.goto("/accounts/2fa/totp/activate/")
    reauthenticate_if_asked(page)
    secret = page.locator("#authenticator_secret").input_value()
    authenticator = Authenticator(secret)
    page.fill("input[name=code]", authenticator.code())
    page.locator("form:has(input[name=code]) button[type=submit]:not([form])").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    codes = page.locator("#recovery_codes").input_value().split()
    assert codes
    return authenticator, codes


def second_factor(page: Page, code: str) -> None:
    page.fill("input[name=code]", code)
    page.locator("form:has(input[name=code]) button[type=submit]:not([form])").click()
    page.wait_for_load_state()


def activate_totp_for(user) -> Authenticator:
    """Arrange a user that already has TOTP (for flows about something else)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return Authenticator(secret)
