"""Settings for `make bench`: production settings served over plain HTTP on 127.0.0.1, plus
the bench-only URLconf (the framework-ceiling view). Never used outside bench/."""

from config.settings.production import *  # noqa: F403
from config.settings.production import MIDDLEWARE, env

ROOT_URLCONF = "bench.urls"

# The side-by-side run starts a second server without the auditing middleware.
if not env.bool("BENCH_AUDIT_MIDDLEWARE", default=True):
    MIDDLEWARE = [
        name
        for name in MIDDLEWARE
        if name
        not in (
            "auditing.middleware.AuditContextMiddleware",
            "auditing.middleware.SessionActivityMiddleware",
        )
    ]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
