"""Settings shared by every environment; everything that varies comes from the environment."""

from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core --------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default=None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = True
SITE_ID = 1

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Database ----------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # WAL lets readers proceed while a writer holds the lock; the busy timeout
    # makes concurrent writers wait instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# --- Applications ------------------------------------------------------------

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "allauth.headless",
]
LOCAL_APPS = [
    "core.apps.CoreConfig",
    "config.apps.ConfigConfig",
    "accounts.apps.AccountsConfig",
    "activity.apps.ActivityConfig",
    "social.apps.SocialConfig",
    "teams.apps.TeamsConfig",
    "auditing.apps.AuditingConfig",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# --- Authentication ----------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Middleware --------------------------------------------------------------

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # The audit context wraps session tracking so that revocations it records have an actor.
    "auditing.middleware.AuditContextMiddleware",
    "accounts.middleware.UserSessionMiddleware",
    "auditing.middleware.SessionActivityMiddleware",
]

# --- Templates and static files ----------------------------------------------

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Fernet keys for secrets stored encrypted (accounts.crypto); first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# --- Cache ---------------------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background jobs (Celery) --------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"


def _job(path: str, every_seconds: int) -> dict:
    return {"task": "cadence.run_job", "schedule": every_seconds, "args": (path,)}


# Periodic jobs, each a plain function in an app's tasks.py (see config/celery.py).
CELERY_BEAT_SCHEDULE = {
    "accounts.expire_sessions": _job("accounts.tasks.expire_sessions", 15 * 60),
    "accounts.purge_password_reset_tokens": _job(
        "accounts.tasks.purge_password_reset_tokens", 24 * 3600
    ),
    # Each user's data_retention_days, applied nightly in batches.
    "activity.purge_expired_activity": _job("activity.tasks.purge_expired_activity", 24 * 3600),
    # The chat schema's cleanup_expired_invites(), hourly.
    "social.cleanup_expired_invites": _job("social.tasks.cleanup_expired_invites", 3600),
    # Reports (and repairs) member_count drift; the counters are kept exact by the services.
    "teams.recount_group_members": _job("teams.tasks.recount_group_members", 24 * 3600),
    # Session analytics counters are folded in from session activity rows, off the request.
    "auditing.session_analytics_refresh": _job("auditing.tasks.session_analytics_refresh", 60),
}

# --- Email ---------------------------------------------------------------------


def _mailer_from_url(url: str) -> dict:
    """Turn an EMAIL_URL (smtp+tls://user:pass@host:587, consolemail://) into a MAILERS entry."""
    config = environ.Env.email_url_config(url)
    backend = config["EMAIL_BACKEND"]
    options: dict = {}
    if backend.endswith("smtp.EmailBackend"):
        options = {
            "host": config.get("EMAIL_HOST"),
            "port": config.get("EMAIL_PORT"),
            "username": config.get("EMAIL_HOST_USER"),
            "password": config.get("EMAIL_HOST_PASSWORD"),
            "use_tls": bool(config.get("EMAIL_USE_TLS")),
            "use_ssl": bool(config.get("EMAIL_USE_SSL")),
            "timeout": 10,
        }
    elif backend.endswith("filebased.EmailBackend"):
        options = {"file_path": config.get("EMAIL_FILE_PATH")}
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {"default": _mailer_from_url(env("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Cadence <noreply@cadence.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Django REST framework -----------------------------------------------------

REST_FRAMEWORK = {
    # The first class's challenge becomes the WWW-Authenticate header, which is
    # what turns an anonymous request into a 401 rather than a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.SessionTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "core.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonThrottle",
        "core.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/minute"),
        "user": env("THROTTLE_USER", default="6000/minute"),
    },
    # orjson: the same JSON as DRF's classes, encoded and decoded in C (core/renderers.py).
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.ORJSONRenderer"],
    # JSON only; the two upload endpoints (screenshots, custom emoji) add multipart.
    "DEFAULT_PARSER_CLASSES": ["core.renderers.ORJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Cadence API",
    "DESCRIPTION": "Accounts, activity tracking, social, teams and auditing.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Notification priority and screenshot quality share the values low/medium/high.
    "ENUM_NAME_OVERRIDES": {"LevelEnum": "social.models.Notification.Priority"},
}

# --- django-allauth ------------------------------------------------------------

INSTALLED_APPS += [
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.twitch",
    "allauth.socialaccount.providers.openid_connect",
]
# Tracked sessions (accounts.UserSession) replace allauth.usersessions, which would keep
# session keys in plain text; roles grant permissions through this backend.
AUTHENTICATION_BACKENDS += ["accounts.backends.RolePermissionBackend"]

ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "accounts.adapters.PasswordResetTokenGenerator"  # noqa: S105
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Counted in the default cache, which is Redis whenever REDIS_URL is set. `login_failed`
# also limits wrong MFA codes (per IP and per account).
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
    "reset_password": env("RATE_LIMIT_RESET_PASSWORD", default="20/m/ip,5/m/key"),
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
}
HEADLESS_CLIENTS = ("app",)
HEADLESS_SERVE_SPECIFICATION = False

# OAuth apps come from the environment only (no SocialApp rows needed); a provider shows
# on the login page once its client id is set. Access and refresh tokens are kept with their
# expiry, encrypted at rest (accounts.signals encrypts SocialToken on save).
SOCIALACCOUNT_STORE_TOKENS = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "SCOPE": ["profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
        "OAUTH_PKCE_ENABLED": True,
    },
    "github": {"SCOPE": ["read:user", "user:email"], "OAUTH_PKCE_ENABLED": True},
    "twitch": {"SCOPE": ["user:read:email"], "OAUTH_PKCE_ENABLED": True},
    "openid_connect": {"OAUTH_PKCE_ENABLED": True},
}
for _provider, _prefix in (("google", "GOOGLE"), ("github", "GITHUB"), ("twitch", "TWITCH")):
    if env(f"{_prefix}_CLIENT_ID", default=""):
        SOCIALACCOUNT_PROVIDERS[_provider]["APPS"] = [
            {
                "client_id": env(f"{_prefix}_CLIENT_ID"),
                "secret": env(f"{_prefix}_CLIENT_SECRET", default=""),
            }
        ]
if env("OIDC_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] = [
        {
            "provider_id": env("OIDC_PROVIDER_ID", default="oidc"),
            "name": env("OIDC_NAME", default="Single sign-on"),
            "client_id": env("OIDC_CLIENT_ID"),
            "secret": env("OIDC_CLIENT_SECRET", default=""),
            "settings": {"server_url": env("OIDC_SERVER_URL")},
        }
    ]

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_TOTP_ISSUER = "Cadence"
# Staff must have two-factor authentication before the admin lets them in.
ADMIN_REQUIRE_MFA = env.bool("ADMIN_REQUIRE_MFA", default=False)

# API-side limits: failed API keys per client address, password reset requests per IP
# and per email address.
API_KEY_FAILURE_LIMIT = (env.int("API_KEY_FAILURE_LIMIT", default=20), 300)
# Seconds an API key lookup is cached (accounts.authentication): dropped on any change to
# the key or its user, which only reaches every process through a shared cache.
API_KEY_CACHE_SECONDS = env.int("API_KEY_CACHE_SECONDS", default=300 if REDIS_URL else 0)
ACCOUNTS_THROTTLE_RATES = {
    "password_reset": env("THROTTLE_PASSWORD_RESET", default="10/hour"),
    "password_reset_email": env("THROTTLE_PASSWORD_RESET_EMAIL", default="3/hour"),
}

# --- Logging -------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- auditing ------------------------------------------------------------------

# The client IP (core.client_ip) is REMOTE_ADDR unless proxies are configured: the number
# of reverse proxies in front that append to X-Forwarded-For, or the META key of a header a
# proxy sets whole (e.g. "HTTP_X_REAL_IP"). Only then: clients can send any header they like.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="")
# Models (app_label.model) not audited per row, on top of auditing.changes.EXCLUDED_MODELS.
# Telemetry is recorded per batch by its services (auditing.record_bulk), not per row:
# activities and user activities arrive in thousands, presence heartbeats every few seconds.
AUDIT_EXCLUDE_MODELS = env.list(
    "AUDIT_EXCLUDE_MODELS",
    default=["activity.activity", "activity.useractivity", "social.userstatus"],
)
# Write each request's SessionActivity row after the response, from a thread (auditing.writer),
# instead of inside the request. Production (PostgreSQL) turns it on; here rows are written in
# the request.
AUDIT_SESSION_ACTIVITY_BACKGROUND = env.bool("AUDIT_SESSION_ACTIVITY_BACKGROUND", default=False)

# --- teams ---------------------------------------------------------------------

# Where the invite email points; "{token}" is replaced. A path is prefixed with the site's
# protocol and domain (django.contrib.sites), a full URL (a web front end) is used as is.
TEAMS_INVITE_ACCEPT_URL = env(
    "TEAMS_INVITE_ACCEPT_URL", default="/team-invites/accept/?token={token}"
)
TEAMS_INVITE_EXPIRY_DAYS = env.int("TEAMS_INVITE_EXPIRY_DAYS", default=7)
# max_members given to a new team on each plan, unless the creator asks for fewer.
TEAMS_PLAN_MAX_MEMBERS = {"free": 5, "team": 50}

# --- activity --------------------------------------------------------------------

# Screenshot uploads: refused above these limits before any decoding (decompression bombs).
ACTIVITY_SCREENSHOT_MAX_BYTES = env.int("ACTIVITY_SCREENSHOT_MAX_BYTES", default=10 * 1024 * 1024)
ACTIVITY_SCREENSHOT_MAX_PIXELS = env.int("ACTIVITY_SCREENSHOT_MAX_PIXELS", default=40_000_000)
ACTIVITY_THUMBNAIL_SIZE = env.int("ACTIVITY_THUMBNAIL_SIZE", default=320)
# A bulk POST of 5,000 activities is well over Django's default 2.5 MB body limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=20 * 1024 * 1024)

# --- reliability -----------------------------------------------------------------

# django.request and django.server log request paths; invite tokens travel in some of them.
LOGGING["filters"] = {"redact_secrets": {"()": "core.redaction.RedactSecretsFilter"}}
for _logger in ("django.request", "django.server"):
    LOGGING["loggers"].setdefault(_logger, {})["filters"] = ["redact_secrets"]
# Every operation documents the JSON error answers (400/401/403/404/.../429/503).
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "core.schema.document_error_responses",
    "core.schema.expand_one_or_many_bodies",
    "core.schema.require_one_or_many_bodies",
    "core.schema.document_not_blank_text",
    "core.schema.limit_date_patterns_to_requests",
]
# Database outages answer 503 JSON (and out-of-range values 400), never a 500; handler500
# in config/urls.py does the same for errors raised in middleware.
MIDDLEWARE.insert(0, "core.middleware.DatabaseUnavailableMiddleware")
# Redis down degrades the cache (throttles, rate limits, cached lookups) instead of failing.
if REDIS_URL:
    CACHES["default"]["BACKEND"] = "core.cache.TolerantRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    )

# --- sessions ------------------------------------------------------------------

# django_session rows are keyed by a digest of the session key and their data is encrypted
# (accounts.sessions): a copy of the table holds no live session and no readable secret.
SESSION_ENGINE = "accounts.sessions"

# --- security headers and API docs ---------------------------------------------

# A Content-Security-Policy on every response (django.middleware.csp). Scripts and styles
# load from Cadence itself; an inline <script> or <style> runs only with the request's nonce
# ({% csp_nonce_attr %}, as the admin's templates do); images may also be data: URIs (the
# TOTP QR code, the admin's icons). form-action stays open: the OAuth sign-in form posts to
# Cadence, which redirects to the provider. The API docs views loosen styles for Redoc
# (config/views.py).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("django.template.context_processors.csp")
# Authenticated API answers are never stored by a browser or proxy cache, and every API
# answer varies with the credentials (core.middleware.ApiCacheHeadersMiddleware).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.csp.ContentSecurityPolicyMiddleware") + 1,
    "core.middleware.ApiCacheHeadersMiddleware",
)
# Swagger UI and Redoc from the installed drf-spectacular-sidecar package, served as static
# files: the docs load nothing from a CDN and work offline.
INSTALLED_APPS += ["drf_spectacular_sidecar"]
SPECTACULAR_SETTINGS.update(
    {
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        # No validator badge: it would fetch an image from swagger.io.
        "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    }
)
# Secrets out of every log line (core.redaction): the filter sits on the handler, so every
# logger's records pass through it. django.template's DEBUG lines print whole template
# contexts (an email's confirmation key, a reset link): that logger stays at INFO.
LOGGING["handlers"]["console"]["filters"] = ["redact_secrets"]
LOGGING["loggers"]["django.template"] = {"level": "INFO"}

# --- credentials and recovery (accounts.permissions) ---------------------------

# Email, password, two-factor and passkeys change only from a session whose person confirmed
# it is them (allauth's reauthentication) within this many seconds; no API key changes them.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("ACCOUNT_REAUTHENTICATION_TIMEOUT", default=300)
# A new address replaces the old one once the link sent to it is followed (allauth's
# change-email flow), so User.email and allauth's EmailAddress stay one address. The email
# page asks for it the way the API does; the "choose a new password" page can revoke every
# API key too (accounts.forms).
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_FORMS = {
    "add_email": "accounts.forms.AddEmailForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
}
# The permission of staff-only API endpoints in apps that can't import accounts (auditing):
# staff, with two-factor when ADMIN_REQUIRE_MFA is on, as in the admin.
STAFF_API_PERMISSION = "accounts.permissions.StaffWithMFA"

# --- input bounds (core.limits) ---------------------------------------------------------
# The largest value a JSON field (preferences, metadata, settings, ...) takes, in bytes as
# JSON; a larger one is a 400. Bodies nested deeper than 32 levels are refused by the parser.
JSON_FIELD_MAX_BYTES = env.int("JSON_FIELD_MAX_BYTES", default=64 * 1024)
