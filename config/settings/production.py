"""Production: secrets from the environment, HTTPS everywhere, JSON-only API."""

from .base import *  # noqa: F403
from .base import _mailer_from_url, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers probe the health check over plain HTTP, to the backend itself; it answers
# there instead of redirecting to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# A local MTA unless EMAIL_URL names a relay (smtp+tls://user:password@host:587).
MAILERS = {"default": _mailer_from_url(env("EMAIL_URL", default="smtp://localhost:25"))}

ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ADMIN_REQUIRE_MFA = env.bool("ADMIN_REQUIRE_MFA", default=True)
# The request log is written after the response, in batches (auditing.writer).
AUDIT_SESSION_ACTIVITY_BACKGROUND = env.bool("AUDIT_SESSION_ACTIVITY_BACKGROUND", default=True)
