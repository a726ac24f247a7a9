"""Cadence as the browser suite runs it: the local settings, with production-like switches.

Everything that Cadence reads from the environment (DATABASE_URL, EMAIL_URL, the OIDC_* and
GOOGLE_* client settings) is set by the e2e fixtures; this module adds only what has no
environment variable: Google's endpoints pointed at the loopback test provider.
"""

import os

from config.settings.local import *  # noqa: F403
from config.settings.local import SOCIALACCOUNT_PROVIDERS

DEBUG = False
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

_provider = os.environ.get("E2E_PROVIDER_URL", "")
if _provider:
    SOCIALACCOUNT_PROVIDERS["google"].update(
        {
            "AUTHORIZE_URL": f"{_provider}/identity/o/authorize",
            "ACCESS_TOKEN_URL": f"{_provider}/identity/o/api/token",
            "IDENTITY_URL": f"{_provider}/identity/o/api/userinfo",
            "CERTS_URL": f"{_provider}/.well-known/jwks.json",
            "ID_TOKEN_ISSUER": _provider,
            "SCOPE": ["openid", "profile", "email"],
        }
    )
