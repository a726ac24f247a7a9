import re
import time
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.test import Client

from accounts.demo import DEMO_TOTP_SECRET
from accounts.tests.test_mfa import totp_code

pytestmark = pytest.mark.django_db


def test_seed_demo_enables_totp_and_the_printed_instructions_work():
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    call_command("seed_demo", "--force", stdout=StringIO())
    text = out.getvalue()
    assert DEMO_TOTP_SECRET in text
    assert Authenticator.objects.filter(user__username="bob").count() == 2
    password = re.search(r"bob\s+\S+\s+(\S+)", text).group(1)
    client = Client()
    response = client.post("/accounts/login/", {"login": "bob", "password": password})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post(
        "/accounts/2fa/authenticate/", {"code": totp_code(DEMO_TOTP_SECRET, time.time())}
    )
    assert response.status_code == 302
    assert client.get("/api/v1/me/").json()["username"] == "bob"
