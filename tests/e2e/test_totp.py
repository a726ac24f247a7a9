"""Two-factor sign-in: TOTP enabled with a code computed here, wrong codes refused, recovery
codes good exactly once."""

from tests.e2e.fixtures import (
    enable_totp,
    is_logged_in,
    login,
    logout,
    make_user,
    second_factor,
)


def test_totp_enable_login_wrong_code_and_recovery_code(page, stack):
    user = make_user(stack.unique("tina"))
    login(page, user.username)
    assert is_logged_in(page)

    authenticator, recovery_codes = enable_totp(page)
    page.goto("/accounts/2fa/")
    assert "/accounts/2fa/totp/deactivate/" in page.content()
    logout(page)

    # The password alone is not enough any more, and a wrong code is refused.
    login(page, user.username)
    assert "/accounts/2fa/authenticate/" in page.url
    second_factor(page, authenticator.wrong_code())
    assert "/accounts/2fa/authenticate/" in page.url
    assert page.locator(".errorlist, .error, [role=alert]").count() >= 1
    assert not is_logged_in(page)

    # The sign-in is still waiting for its second step: the right code finishes it.
    page.goto("/accounts/2fa/authenticate/")
    second_factor(page, authenticator.code())
    assert "/accounts/2fa/authenticate/" not in page.url
    assert is_logged_in(page)
    logout(page)

    # A recovery code stands in for the app once, and only once.
    login(page, user.username)
    second_factor(page, recovery_codes[0])
    assert is_logged_in(page)
    logout(page)

    login(page, user.username)
    second_factor(page, recovery_codes[0])
    assert "/accounts/2fa/authenticate/" in page.url
    assert not is_logged_in(page)
