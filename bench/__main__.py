"""Run the benchmarks: `make bench` (or `python -m bench`). Figures are printed, never asserted."""

import json
import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench import api_me, audit_overhead  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        results = {"database": connection.vendor, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ")}
        results["api_me"] = api_me.run()
        results["audit_overhead"] = audit_overhead.run()
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{connection.vendor}-{int(time.time())}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")


if __name__ == "__main__":
    main()
