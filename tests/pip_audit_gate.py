"""`make check`: pip-audit over the pinned requirements, never passing silently.

pip-audit looks every package up in PyPI's advisory data; a package it cannot look up is
reported as skipped and, by default, does not fail the run. This gate fails on any known
vulnerability and says loudly how many packages could not be audited. With
PIP_AUDIT_REQUIRED=1 (set it where PyPI's JSON API is reachable) an unaudited package fails
the gate too.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ["requirements.txt", "requirements-dev.txt"]


def main() -> int:
    command = [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"]
    for name in REQUIREMENTS:
        command += ["-r", str(ROOT / name)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout + result.stderr, file=sys.stderr)
        print("pip-audit: FAILED to run (see above)", file=sys.stderr)
        return 2
    dependencies = report.get("dependencies", [])
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    for dep in vulnerable:
        ids = ", ".join(vuln["id"] for vuln in dep["vulns"])
        print(f"pip-audit: {dep['name']} {dep.get('version')} has known vulnerabilities: {ids}")
    audited = len(dependencies) - len(skipped)
    total = len(dependencies)
    print(f"pip-audit: {audited} of {total} packages audited, {len(vulnerable)} vulnerable")
    if skipped:
        names = ", ".join(sorted(dep["name"] for dep in skipped))
        print(
            f"pip-audit: WARNING: {len(skipped)} packages NOT AUDITED (PyPI's advisory data "
            f"could not be reached for them): {names}"
        )
    if vulnerable:
        return 1
    if skipped and os.environ.get("PIP_AUDIT_REQUIRED") == "1":
        print("pip-audit: FAILED: PIP_AUDIT_REQUIRED=1 and some packages were not audited")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
