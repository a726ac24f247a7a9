"""What auditing costs a list endpoint, measured side by side in one process.

    python -m bench.audit_overhead          (SQLite, in-memory test database)
    DATABASE_URL=postgres://... python -m bench.audit_overhead

1. middleware: GET a 50-row list through the full stack with the audit-context and
   session-activity middleware on vs off (target ratio on/off >= 0.85). "On" pays the one
   SessionActivity INSERT per request.
2. post_init: the road not taken for update diffs. A post_init receiver snapshotting every
   loaded instance vs none, on the same list, shows what every read would pay; the chosen
   pre_save SELECT costs nothing on reads (one primary-key SELECT per update instead).
Rounds are interleaved so machine noise hits both sides alike. Figures, never assertions.
"""

import json
import os
import statistics
import time
from pathlib import Path

ROUNDS = 5
REQUESTS = 60
ROWS = 50
PATH = f"/api/v1/app-settings/?page_size={ROWS}"
AUDIT_MIDDLEWARE = (
    "auditing.middleware.AuditContextMiddleware",
    "auditing.middleware.SessionActivityMiddleware",
)


def _rate(client, path: str) -> float:
    start = time.perf_counter()
    for _ in range(REQUESTS):
        response = client.get(path)
        assert response.status_code == 200, response.status_code
    return REQUESTS / (time.perf_counter() - start)


def _client(user, middleware: list[str]):
    from django.test import Client, override_settings

    client = Client()
    client.force_login(user)
    # The handler builds its middleware chain on its first request and keeps it.
    with override_settings(MIDDLEWARE=middleware):
        assert client.get(PATH).status_code == 200
    return client


def _compare(first, second) -> tuple[float, float]:
    a, b = [], []
    for _ in range(ROUNDS):
        a.append(_rate(first, PATH))
        b.append(_rate(second, PATH))
    return statistics.median(a), statistics.median(b)


def run() -> dict:
    from django.conf import settings
    from django.db.models.signals import post_init

    from accounts.tests.factories import StaffUserFactory
    from auditing import changes
    from auditing.models import SessionActivity
    from config.models import AppSetting

    user = StaffUserFactory()
    for n in range(ROWS):
        AppSetting.objects.create(setting_key=f"bench.{n}", setting_value={"n": n}, is_public=True)

    full = list(settings.MIDDLEWARE)
    bare = [m for m in full if m not in AUDIT_MIDDLEWARE]
    on, off = _client(user, full), _client(user, bare)
    logged_before = SessionActivity.objects.count()
    on_rps, off_rps = _compare(on, off)
    logged = SessionActivity.objects.count() - logged_before

    def snapshot_on_init(sender, instance, **kwargs):
        instance.__dict__["_audit_initial"] = changes.snapshot(instance)

    snapshot_rates, plain_rates = [], []
    for _ in range(ROUNDS):
        post_init.connect(snapshot_on_init, sender=AppSetting)
        try:
            snapshot_rates.append(_rate(off, PATH))
        finally:
            post_init.disconnect(snapshot_on_init, sender=AppSetting)
        plain_rates.append(_rate(off, PATH))
    with_snapshot = statistics.median(snapshot_rates)
    without_snapshot = statistics.median(plain_rates)

    figures = {
        "endpoint": PATH,
        "rows_per_page": ROWS,
        "requests_per_round": REQUESTS,
        "rounds": ROUNDS,
        "rps_middleware_on": round(on_rps, 1),
        "rps_middleware_off": round(off_rps, 1),
        "ratio_on_to_off": round(on_rps / off_rps, 3),
        "session_activity_rows_written": logged,
        "rps_post_init_snapshot": round(with_snapshot, 1),
        "rps_no_snapshot": round(without_snapshot, 1),
        "ratio_post_init_snapshot": round(with_snapshot / without_snapshot, 3),
    }
    print(f"audit_overhead: GET {PATH} as staff (session auth), in-process test client")
    for name, value in figures.items():
        print(f"  {name:32} {value}")
    return figures


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        results = {
            "database": connection.vendor,
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "audit_overhead": run(),
        }
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    out_dir = Path(__file__).resolve().parent / "results"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"audit_overhead-{results['database']}-{int(time.time())}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
