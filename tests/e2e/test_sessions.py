"""Two browsers signed in as one person: signing the other one out on the sessions page ends
it on its very next navigation, and leaves this one signed in."""

from tests.e2e.fixtures import is_logged_in, login, make_user


def test_revoking_the_other_session_logs_it_out(new_context, stack):
    user = make_user(stack.unique("rita"))
    laptop = new_context().new_page()
    phone = new_context(user_agent="Mozilla/5.0 (Linux; Android 14) CadencePhone").new_page()
    login(laptop, user.username)
    login(phone, user.username)
    assert is_logged_in(laptop)
    assert is_logged_in(phone)

    laptop.goto("/accounts/sessions/")
    rows = laptop.locator("tbody tr")
    assert rows.count() == 2
    other = rows.filter(has_text="CadencePhone")
    other.locator("button[type=submit]").click()
    laptop.wait_for_url("**/accounts/sessions/")
    assert laptop.locator("tbody tr").count() == 1

    phone.goto("/accounts/profile/")
    assert "/accounts/login/" in phone.url
    assert not is_logged_in(phone)
    assert is_logged_in(laptop)
