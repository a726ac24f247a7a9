"""Sign in through the loopback OpenID Connect provider's own pages (authorization code + PKCE,
ID token checked against the provider's keys), with Cadence's generic OpenID Connect app and
with the Google app pointed at the same provider."""

import pytest

from tests.e2e.fixtures import PASSWORD, is_logged_in, login, logout, make_user, sso_login


def _linked(provider: str, email: str):
    from allauth.socialaccount.models import SocialAccount
    from django.contrib.auth import get_user_model

    users = list(get_user_model().objects.filter(email__iexact=email))
    accounts = list(SocialAccount.objects.filter(provider=provider, user__in=users))
    return users, accounts


@pytest.mark.parametrize(
    ("provider", "app_id", "who"), [("oidc", "loopback", "olivia"), ("google", "google", "gwen")]
)
def test_first_login_creates_and_links_then_same_account(page, stack, provider, app_id, who):
    person = stack.provider_people[who]

    sso_login(page, stack, person, provider)
    assert "/accounts/profile/" in page.url
    users, accounts = _linked(app_id, person["email"])
    assert len(users) == 1
    assert len(accounts) == 1
    assert accounts[0].user == users[0]
    assert users[0].username == person["username"]
    first = users[0]

    logout(page)
    assert not is_logged_in(page)

    # Still signed in at the provider: straight to its consent screen, then home.
    sso_login(page, stack, None, provider)
    assert "/accounts/profile/" in page.url
    users, accounts = _linked(app_id, person["email"])
    assert [u.pk for u in users] == [first.pk]
    assert len(accounts) == 1


def test_connect_provider_to_existing_account(new_context, stack):
    person = stack.provider_people["carl"]
    user = make_user(stack.unique("carl"))
    page = new_context().new_page()
    login(page, user.username, PASSWORD)

    page.goto("/accounts/3rdparty/")
    page.locator("a[href*='/accounts/oidc/loopback/login/'][href*='process=connect']").click()
    from tests.e2e.fixtures import through_provider

    through_provider(page, stack, person)
    # Connecting a sign-in method is a credential change: unless the sign-in was recent,
    # Cadence asks for the password again before it links the provider's account.
    if "/accounts/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.locator("form:has(input[name=password]) button[type=submit]:not([form])").click()
        page.wait_for_url("**/accounts/3rdparty/**")
    assert "/accounts/3rdparty/" in page.url

    from allauth.socialaccount.models import SocialAccount

    account = SocialAccount.objects.get(
        provider="loopback", extra_data__userinfo__email=person["email"]
    )
    assert account.user_id == user.pk
    assert page.locator("input[name=account]").count() == 1

    # The connected provider now signs this same person in, in a fresh browser.
    logout(page)
    other = new_context().new_page()
    sso_login(other, stack, person)
    assert "/accounts/profile/" in other.url
    assert other.locator("main").inner_text().count(user.username) >= 1
