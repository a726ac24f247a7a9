"""Sign up with a password, confirm the address from the outbox, log out, log in."""

from tests.e2e.fixtures import PASSWORD, is_logged_in, login, logout, shoot


def test_signup_confirm_logout_login(page, stack):
    username = stack.unique("sam")
    address = f"{username}@example.test"

    page.goto("/accounts/signup/")
    page.fill("input[name=email]", address)
    page.fill("input[name=username]", username)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("form:has(input[name=password1]) button[type=submit]").click()
    page.wait_for_url("**/accounts/confirm-email/")
    overflowing = shoot(page, "verify-email-sent")

    # Mandatory verification: no way in before the link from the mail is followed.
    login(page, username)
    assert "/accounts/confirm-email/" in page.url

    page.goto(stack.outbox.link(address, "/accounts/confirm-email/"))
    overflowing += shoot(page, "confirm-email")
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()

    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(email=address).verified

    logout(page)
    assert not is_logged_in(page)

    login(page, username, "not-the-password")
    assert "/accounts/login/" in page.url
    assert not is_logged_in(page)

    login(page, address)
    assert is_logged_in(page)
    assert not overflowing, overflowing
