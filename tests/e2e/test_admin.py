"""Staff reach the admin through allauth's sign-in with TOTP, edit a user, and (with the
auditing app's history link) see the change attributed to them in the object's history."""

import importlib.util
from urllib.parse import urlsplit

import pytest

from tests.e2e.fixtures import activate_totp_for, login, make_user, second_factor

HISTORY_LINKED = importlib.util.find_spec("auditing.admin_history") is not None


def test_staff_login_with_totp_edits_bio_and_history_shows_it(page, stack):
    staff = make_user(stack.unique("sally"), staff=True, superuser=True)
    authenticator = activate_totp_for(staff)
    member = make_user(stack.unique("bea"))

    page.goto("/admin/")
    assert "/accounts/login/" in page.url
    login_url = page.url
    login(page, staff.username)
    if "/accounts/login/" in page.url:
        pytest.fail(f"password refused at {login_url}")
    assert "/accounts/2fa/authenticate/" in page.url
    second_factor(page, authenticator.code())
    page.goto("/admin/")
    assert page.locator("#site-name, #user-tools").count() >= 1, page.url

    page.goto(f"/admin/accounts/user/{member.pk}/change/")
    page.fill("textarea[name=bio]", "Plays the cello on Tuesdays.")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/accounts/user/")
    member.refresh_from_db()
    assert member.bio == "Plays the cello on Tuesdays."

    if not HISTORY_LINKED:
        return
    page.goto(f"/admin/accounts/user/{member.pk}/change/")
    page.locator("a.historylink").click()
    page.wait_for_load_state()
    update = page.locator("#result_list tbody tr", has_text="update")
    assert update.count() == 1
    assert staff.username in update.inner_text()
    update.locator("a").first.click()
    page.wait_for_load_state()
    entry = page.locator("#content").inner_text()
    assert "bio" in entry
    assert "Plays the cello on Tuesdays." in entry


def test_staff_without_totp_is_kept_out_of_the_admin(page, stack):
    staff = make_user(stack.unique("stan"), staff=True, superuser=True)
    login(page, staff.username)
    # Sent to set up two-factor (through the password check allauth may ask for first).
    page.goto("/admin/")
    assert urlsplit(page.url).path in ("/accounts/2fa/totp/activate/", "/accounts/reauthenticate/")
    page.goto("/admin/accounts/user/")
    assert not urlsplit(page.url).path.startswith("/admin/accounts/user/")
