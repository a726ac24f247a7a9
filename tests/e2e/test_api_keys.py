"""The API keys page creates a key, shows it once, and the key then works on /api/v1/me/."""

import requests

from tests.e2e.fixtures import login, make_user


def test_key_created_shown_once_and_usable(page, stack):
    user = make_user(stack.unique("kim"))
    login(page, user.username)

    page.goto("/accounts/api-keys/")
    page.fill("input[name=key_name]", "laptop script")
    page.locator("form:has(input[name=key_name]) button[type=submit]").click()
    page.wait_for_load_state()
    key = page.locator("#new-key").input_value()
    assert len(key) >= 20
    assert page.locator("tbody tr", has_text="laptop script").count() == 1

    page.goto("/accounts/api-keys/")
    assert page.locator("#new-key").count() == 0
    assert key not in page.content()

    me = requests.get(
        stack.url("/api/v1/me/"), headers={"Authorization": f"Api-Key {key}"}, timeout=10
    )
    assert me.status_code == 200, me.text
    assert me.json()["username"] == user.username

    anonymous = requests.get(stack.url("/api/v1/me/"), timeout=10)
    assert anonymous.status_code == 401
    forged = requests.get(
        stack.url("/api/v1/me/"), headers={"Authorization": f"Api-Key {key}x"}, timeout=10
    )
    assert forged.status_code == 401
