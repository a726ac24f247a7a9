"""A provider without a client id is installed but not configured: its sign-in and callback
URLs are a 404, not a 500, and the sign-in page still works."""

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("provider", ["google", "github", "twitch"])
def test_an_unconfigured_provider_is_not_found(provider):
    client = Client()
    assert client.get(f"/accounts/{provider}/login/").status_code == 404
    assert client.post(f"/accounts/{provider}/login/").status_code == 404
    assert client.get(f"/accounts/{provider}/login/callback/?code=x&state=y").status_code == 404
    assert client.get("/accounts/login/").status_code == 200
