"""Local development: debug on, browsable API, console email, no email verification gate."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-cadence-local-development-only")
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")

REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
    "core.renderers.ORJSONRenderer",
    "rest_framework.renderers.BrowsableAPIRenderer",
]
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
