"""`make check`: pip-audit over the pinned requirements, never passing silently.

pip-audit looks every package up in PyPI's advisory data; a package it cannot look up is
reported as skipped and does not fail its run, so offline it "passes" having audited nothing.
This gate:

- fails (exit 1) on a known vulnerability, and only then;
- says plainly, in one WARNING line, when it audited nothing or only some packages (no
  advisory data reachable), and exits 0: an offline machine can still run `make check`;
- with PIP_AUDIT_REQUIRED=1 (set it where PyPI is reachable) fails when anything was left
  unaudited, so a lost connection can't pass for a clean audit there.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ["requirements.txt", "requirements-dev.txt"]


def audit() -> tuple[dict | None, str]:
    """pip-audit's JSON report (None when it produced none) and its other output."""
    command = [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"]
    for name in REQUIREMENTS:
        command += ["-r", str(ROOT / name)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    try:
        return json.loads(result.stdout), result.stderr
    except json.JSONDecodeError:
        return None, (result.stdout + result.stderr).strip()


def verdict(report: dict | None, output: str, *, required: bool) -> tuple[int, list[str]]:
    """The exit code and the lines to print for a pip-audit report."""
    if report is None:
        lines = [output] if output else []
        lines.append(
            "pip-audit: WARNING: NOTHING WAS AUDITED: pip-audit could not run (see above; "
            "usually PyPI is unreachable). This is not a clean audit."
        )
        return (1 if required else 0), lines
    dependencies = report.get("dependencies", [])
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    lines = [
        f"pip-audit: {dep['name']} {dep.get('version')} has known vulnerabilities: "
        + ", ".join(vuln["id"] for vuln in dep["vulns"])
        for dep in vulnerable
    ]
    if audited == 0:
        lines.append(
            f"pip-audit: WARNING: NOTHING WAS AUDITED: PyPI's advisory data could not be "
            f"reached for any of the {len(dependencies)} packages. This is not a clean audit."
        )
    elif skipped:
        names = ", ".join(sorted(dep["name"] for dep in skipped))
        lines.append(
            f"pip-audit: {audited} of {len(dependencies)} packages audited, "
            f"{len(vulnerable)} vulnerable"
        )
        lines.append(
            f"pip-audit: WARNING: {len(skipped)} packages NOT AUDITED (PyPI's advisory data "
            f"could not be reached for them): {names}"
        )
    else:
        lines.append(
            f"pip-audit: all {len(dependencies)} packages audited, {len(vulnerable)} vulnerable"
        )
    if vulnerable:
        return 1, lines
    if skipped and required:
        lines.append("pip-audit: FAILED: PIP_AUDIT_REQUIRED=1 and some packages were not audited")
        return 1, lines
    return 0, lines


def main() -> int:
    report, output = audit()
    code, lines = verdict(report, output, required=os.environ.get("PIP_AUDIT_REQUIRED") == "1")
    for line in lines:
        print(line)
    return code


if __name__ == "__main__":
    sys.exit(main())
