"""What auditing costs a list endpoint, measured side by side in one process.

    python -m bench.audit_overhead          (SQLite, in-memory test database)
    DATABASE_URL=postgres://... python -m bench.audit_overhead

1. middleware: GET a 50-row list through the full stack with the audit-context and
   session-activity middleware on vs off (target ratio on/off >= 0.85). "On" pays the one
   SessionActivity INSERT per request.
2. post_init: the road not taken for update diffs. A post_init receiver snapshotting every
   loaded instance vs none, on the same list, shows what every read would pay; the chosen
   pre_save SELECT costs nothing on reads (one primary-key SELECT per update instead).
3. updates: atomic model saves per second with the audit receivers (SELECT + INSERT) vs
   without, the price the chosen strategy pays on writes instead.
Rounds are paired (both sides back to back, alternating order) and the ratio is the median
of the per-round ratios, so machine noise hits both sides alike. Figures, never assertions.
"""

import json
import os
import statistics
import time
from pathlib import Path

ROUNDS = 9
REQUESTS = 40
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


def _paired(measure_a, measure_b) -> tuple[float, float, float]:
    """Median rate of each side and the median of the per-round ratios a/b.

    Each round measures both sides back to back, in alternating order, so that drift in
    machine load (two shared cores) falls on both alike.
    """
    a, b = [], []
    for round_no in range(ROUNDS):
        if round_no % 2:
            b.append(measure_b())
            a.append(measure_a())
        else:
            a.append(measure_a())
            b.append(measure_b())
    ratio = statistics.median(x / y for x, y in zip(a, b, strict=True))
    return statistics.median(a), statistics.median(b), ratio


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
    on_rps, off_rps, ratio = _paired(lambda: _rate(on, PATH), lambda: _rate(off, PATH))
    logged = SessionActivity.objects.count() - logged_before

    def snapshot_on_init(sender, instance, **kwargs):
        instance.__dict__["_audit_initial"] = changes.snapshot(instance)

    def with_snapshot_rate():
        post_init.connect(snapshot_on_init, sender=AppSetting)
        try:
            return _rate(off, PATH)
        finally:
            post_init.disconnect(snapshot_on_init, sender=AppSetting)

    with_snapshot, without_snapshot, snapshot_ratio = _paired(
        with_snapshot_rate, lambda: _rate(off, PATH)
    )

    # What the chosen strategy costs a write instead: SELECT + INSERT per update.
    from django.db import transaction
    from django.db.models.signals import post_save, pre_save

    from auditing import signals

    setting = AppSetting.objects.get(setting_key="bench.0")
    uid = f"auditing:{AppSetting._meta.label_lower}"
    counter = iter(range(10**9))

    def updates_per_second():
        start = time.perf_counter()
        for _ in range(REQUESTS):
            # Atomic, as every app path is (services, ATOMIC_REQUESTS, the admin).
            with transaction.atomic():
                setting.setting_value = {"n": next(counter)}
                setting.save(update_fields=["setting_value", "updated_at"])
        return REQUESTS / (time.perf_counter() - start)

    def unaudited_updates_per_second():
        pre_save.disconnect(sender=AppSetting, dispatch_uid=uid)
        post_save.disconnect(sender=AppSetting, dispatch_uid=uid)
        try:
            return updates_per_second()
        finally:
            pre_save.connect(signals.on_pre_save, sender=AppSetting, dispatch_uid=uid)
            post_save.connect(signals.on_post_save, sender=AppSetting, dispatch_uid=uid)

    audited_ups, plain_ups, update_ratio = _paired(updates_per_second, unaudited_updates_per_second)

    figures = {
        "endpoint": PATH,
        "rows_per_page": ROWS,
        "requests_per_round": REQUESTS,
        "rounds": ROUNDS,
        "rps_middleware_on": round(on_rps, 1),
        "rps_middleware_off": round(off_rps, 1),
        "ratio_on_to_off": round(ratio, 3),
        "session_activity_rows_written": logged,
        "rps_post_init_snapshot": round(with_snapshot, 1),
        "rps_no_snapshot": round(without_snapshot, 1),
        "ratio_post_init_snapshot": round(snapshot_ratio, 3),
        "updates_per_s_audited": round(audited_ups, 1),
        "updates_per_s_unaudited": round(plain_ups, 1),
        "ratio_update_audited": round(update_ratio, 3),
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
    # Its own database name, so a test run's kept database is never in the way.
    test_settings = connection.settings_dict.setdefault("TEST", {})
    test_settings["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    if connection.vendor == "sqlite":
        test_settings["NAME"] = None  # in memory
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
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
