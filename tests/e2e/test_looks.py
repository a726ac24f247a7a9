"""Every page a person sees, rendered by Chromium at desktop and phone widths: screenshots
kept in e2e-artifacts/screenshots/, and no page wider than the window (no sideways scroll)."""

from tests.e2e.fixtures import (
    enable_totp,
    login,
    logout,
    make_user,
    reauthenticate_if_asked,
    shoot,
)

SIGNED_OUT = [
    ("login", "/accounts/login/"),
    ("signup", "/accounts/signup/"),
    ("password-reset", "/accounts/password/reset/"),
    ("sso-continue", "/accounts/oidc/loopback/login/"),
]
SIGNED_IN = [
    ("profile", "/accounts/profile/"),
    ("email", "/accounts/email/"),
    ("password-change", "/accounts/password/change/"),
    ("two-factor", "/accounts/2fa/"),
    ("connected-accounts", "/accounts/3rdparty/"),
    ("sessions", "/accounts/sessions/"),
    ("sign-out", "/accounts/logout/"),
]


def test_every_page_fits_desktop_and_phone(page, stack):
    overflowing: list[str] = []
    for name, path in SIGNED_OUT:
        page.goto(path)
        overflowing += shoot(page, name)

    user = make_user(stack.unique("luke"))
    login(page, user.username)
    for name, path in SIGNED_IN:
        page.goto(path)
        overflowing += shoot(page, name)

    page.goto("/accounts/api-keys/")
    page.fill("input[name=key_name]", "a key with a rather long name for the table")
    page.locator("form:has(input[name=key_name]) button[type=submit]").click()
    page.wait_for_load_state()
    overflowing += shoot(page, "api-keys")

    page.goto("/accounts/2fa/totp/activate/")
    reauthenticate_if_asked(page)
    overflowing += shoot(page, "two-factor-setup")
    enable_totp(page)
    overflowing += shoot(page, "recovery-codes")
    logout(page)
    login(page, user.username)
    overflowing += shoot(page, "two-factor-login")

    assert not overflowing, "pages wider than the window:\n" + "\n".join(overflowing)
