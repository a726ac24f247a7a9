"""Prepare the test provider's database: tables, one person, and Cadence's two clients.

Run as `python -m tests.e2e.provider_setup SPEC.json` with DJANGO_SETTINGS_MODULE pointing at
tests.e2e.provider_settings; the e2e fixtures write the spec (people and clients).
"""

import json
import sys
from pathlib import Path

import django


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    django.setup()

    from allauth.account.models import EmailAddress
    from allauth.idp.oidc.models import Client
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    for person in spec["users"]:
        user = get_user_model().objects.create_user(
            username=person["username"],
            email=person["email"],
            password=person["password"],
            first_name=person.get("first_name", ""),
            last_name=person.get("last_name", ""),
        )
        EmailAddress.objects.create(user=user, email=person["email"], verified=True, primary=True)
    for client in spec["clients"]:
        Client.objects.create(
            id=client["id"],
            name=client["name"],
            secret=make_password(client["secret"]),
            scopes="openid\nprofile\nemail",
            default_scopes="openid\nprofile\nemail",
            redirect_uris="\n".join(client["redirect_uris"]),
            skip_consent=False,
        )


if __name__ == "__main__":
    main()
