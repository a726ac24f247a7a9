"""Staff reach the admin through allauth's sign-in with TOTP, edit a user, and see the
change attributed to them in the object's history: the change page's History button opens
the user's audit rows (auditing.admin_history)."""

from urllib.parse import urlsplit

from tests.e2e.fixtures import activate_totp_for, login, make_user, second_factor

BIO = "Plays the cello on Tuesdays."


def _staff_edits_bio(page, stack):
    staff = make_user(stack.unique("sally"), staff=True, superuser=True)
    authenticator = activate_totp_for(staff)
    member = make_user(stack.unique("bea"))

    # The admin's own login form is not used: allauth's sign-in, then the second factor.
    page.goto("/admin/")
    assert urlsplit(page.url).path == "/accounts/login/"
    login(page, staff.username)
    assert urlsplit(page.url).path == "/accounts/2fa/authenticate/"
    second_factor(page, authenticator.code())
    page.goto("/admin/")
    assert urlsplit(page.url).path == "/admin/"
    assert page.locator("#user-tools").inner_text().upper().count(staff.username.upper()) == 1

    page.goto(f"/admin/accounts/user/{member.pk}/change/")
    page.fill("textarea[name=bio]", BIO)
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/accounts/user/")
    member.refresh_from_db()
    assert member.bio == BIO
    return staff, member


def test_staff_login_with_totp_and_edit_a_users_bio(page, stack):
    _staff_edits_bio(page, stack)


def test_history_shows_the_edit_with_the_staff_user_as_actor(page, stack):
    staff, member = _staff_edits_bio(page, stack)
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
    assert BIO in entry


def test_staff_without_totp_is_kept_out_of_the_admin(page, stack):
    staff = make_user(stack.unique("stan"), staff=True, superuser=True)
    login(page, staff.username)
    # Sent to set up two-factor (through the password check allauth may ask for first).
    page.goto("/admin/")
    assert urlsplit(page.url).path in ("/accounts/2fa/totp/activate/", "/accounts/reauthenticate/")
    page.goto("/admin/accounts/user/")
    assert not urlsplit(page.url).path.startswith("/admin/accounts/user/")
