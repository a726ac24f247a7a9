"""Run the benchmarks; figures are printed, never asserted.

make bench                        the side-by-side table (bench/side_by_side.py)
python -m bench in-process        the in-process figures (api_me, audit_overhead, reset_timing)
python -m bench reset-timing      password reset, known vs unknown address (bench/reset_timing.py)
"""

import json
import os
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def in_process() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench import api_me, audit_overhead, reset_timing

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        results = {"database": connection.vendor, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ")}
        results["api_me"] = api_me.run()
        results["audit_overhead"] = audit_overhead.run()
        results["reset_timing"] = reset_timing.run()
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{connection.vendor}-{int(time.time())}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    if sys.argv[1:] == ["in-process"]:
        in_process()
    elif sys.argv[1:] == ["reset-timing"]:
        from bench import reset_timing

        reset_timing.main()
    else:
        from bench import side_by_side

        side_by_side.main()
