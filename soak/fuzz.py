"""`make fuzz`: schemathesis against a live server's /api/schema/, every operation, all checks.

Bounded for CI: FUZZ_MAX_EXAMPLES examples per operation (default 10) and FUZZ_MAX_TIME
seconds in all (default 240). Exits non-zero on any server error or schema violation.
"""

import os
import subprocess
import sys
from pathlib import Path

from soak.server import ROOT, gunicorn, prepare


def main() -> int:
    env, users = prepare(os.environ.get("FUZZ_DB", "cadence_rel_fuzz"), users=1)
    key = users[0]["key"]
    report = ROOT / "soak" / "results"
    report.mkdir(exist_ok=True)
    with gunicorn(env) as (base, _):
        command = [
            str(Path(sys.executable).parent / "schemathesis"),
            "--config-file",
            str(ROOT / "soak" / "schemathesis.toml"),
            "run",
            f"{base}/api/schema/",
            "--header",
            f"Authorization: Api-Key {key}",
            "--checks",
            "all",
            "--max-examples",
            os.environ.get("FUZZ_MAX_EXAMPLES", "10"),
            "--max-time",
            os.environ.get("FUZZ_MAX_TIME", "240"),
            "--workers",
            "2",
            "--seed",
            os.environ.get("FUZZ_SEED", "9"),
            "--continue-on-failure",
            "--request-timeout",
            "20",
            "--report",
            "junit",
            "--report-dir",
            str(report),
            "--warnings",
            "off",
            *sys.argv[1:],
        ]
        # Run in the ignored results folder: schemathesis keeps its crash cache in the cwd.
        return subprocess.run(command, cwd=report, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
