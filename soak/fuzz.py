"""`make fuzz`: schemathesis against a live server's /api/schema/, every operation, all checks.

Bounded for CI: FUZZ_MAX_EXAMPLES examples per operation (default 10) and FUZZ_MAX_TIME
seconds in all (default 240). Exits non-zero on any server error or schema violation.

What the schema can't say is told to schemathesis here instead:

- No text the API takes may hold the NUL character (DRF and Django refuse it, PostgreSQL
  can't store it). OpenAPI 3.0 has no way to say so of a JSON object's keys, so NUL is
  never generated.
- Some operations refuse a well-formed request by a rule that depends on stored data, the
  clock or another field: a referenced row must exist and be the caller's, a name must be
  unique, an expiry must lie ahead, an end must follow its start. A 400 from those
  operations is the API's answer, not a schema the API contradicts; RULES lists each with
  its rule, and only those operations count a 400 to a schema-valid request as an answer.
- A multipart upload's fields are text (FORM_BODIES).
"""

import os
import subprocess
import sys
from pathlib import Path

from soak.server import ROOT, gunicorn, prepare

API = "/api/v1"
_REFERENCE = "a referenced row must exist and be the caller's"
_UNIQUE = "the name must not be taken"
_RANGE = "end must follow start, within 400 days"
_FUTURE = "expires_at must lie ahead"
_ISSUED = "the token must be one the server issued"
RULES: dict[tuple[str, str], str] = {
    ("POST", f"{API}/activities/"): "end_time from start_time up to 2**31 - 1 seconds later",
    ("PATCH", f"{API}/activities/{{id}}/"): "end_time must not be before start_time",
    ("GET", f"{API}/activities/summary/"): _RANGE,
    ("GET", f"{API}/activities/summary/export/"): _RANGE,
    ("GET", f"{API}/activities/export/"): _RANGE,
    ("POST", f"{API}/classification-rules/reclassify/"): _RANGE,
    ("GET", f"{API}/calendar-events/"): f"?integration=: {_REFERENCE}",
    ("POST", f"{API}/calendar-events/"): f"integration: {_REFERENCE}; {_RANGE}",
    ("PATCH", f"{API}/calendar-events/{{id}}/"): f"integration: {_REFERENCE}; {_RANGE}",
    ("GET", f"{API}/user-activities/"): f"?session=: {_REFERENCE}",
    ("POST", f"{API}/user-activities/"): f"session: {_REFERENCE}",
    ("GET", f"{API}/me/audit-logs/"): f"?user=: {_REFERENCE}",
    ("GET", f"{API}/emojis/"): f"?category=, ?base_emoji=: {_REFERENCE}",
    ("POST", f"{API}/emoji-favorites/"): f"emoji: {_REFERENCE}",
    ("GET", f"{API}/messages/"): f"?group= or ?with=, not both; {_REFERENCE}",
    ("POST", f"{API}/messages/"): f"group or receiver, not both; {_REFERENCE}",
    ("POST", f"{API}/classification-rules/"): "one of app_name, the patterns, is not blank",
    ("PATCH", f"{API}/classification-rules/{{id}}/"): "one of app_name, the patterns stays",
    ("POST", f"{API}/work-sessions/"): "ended_at must not be before started_at",
    ("PATCH", f"{API}/work-sessions/{{id}}/"): "ended_at must not be before started_at",
    ("POST", f"{API}/groups/"): _UNIQUE,
    ("PATCH", f"{API}/groups/{{slug}}/"): _UNIQUE,
    ("POST", f"{API}/teams/"): "max_members within the team plan's limit",
    ("PATCH", f"{API}/teams/{{id}}/"): "max_members within the team plan's limit",
    ("POST", f"{API}/integrations/"): "one integration per provider",
    ("PATCH", f"{API}/integrations/{{id}}/"): "one integration per provider",
    ("PATCH", f"{API}/idle-sessions/{{id}}/"): "end_time must not be before start_time",
    ("POST", f"{API}/screenshots/"): "the file must be an image",
    # Letters are Unicode word characters, which no OpenAPI 3.0 pattern can name.
    ("PATCH", f"{API}/me/"): "username: letters, digits and @/./+/-/_ only",
    ("POST", f"{API}/me/preferences/"): "one preference per key",
    ("POST", f"{API}/chat-groups/"): "only staff choose the primary group",
    ("PATCH", f"{API}/chat-groups/{{id}}/"): "only staff choose the primary group",
    ("PATCH", f"{API}/me/status/"): "manual_status_expires_at must lie ahead",
    ("POST", f"{API}/chat-groups/{{id}}/invites/"): _FUTURE,
    ("POST", f"{API}/me/api-keys/"): _FUTURE,
    ("POST", f"{API}/team-invites/accept/"): f"{_ISSUED}, unused and unexpired",
    ("POST", f"{API}/chat-invites/{{token}}/accept/"): f"{_ISSUED}, unused and unexpired",
    ("POST", f"{API}/auth/password-reset/confirm/"): _ISSUED,
}
# Uploads: a multipart form's fields are text, so a null or a number schemathesis sends there
# to break the schema arrives as the text "null" or "12", a valid value; such a request is
# not counted as a schema-violating one accepted.
FORM_BODIES = [("POST", f"{API}/screenshots/")]
# schemathesis' own list of the answers a schema-valid request may get, plus 400 and 410 (an
# invite or token that has expired or been used, api.md).
_ANSWERS = ["2xx", "3xx", "400", "401", "403", "404", "409", "410", "429", "5xx"]


def config_file(directory: Path) -> Path:
    """soak/schemathesis.toml with an `[[operations]]` section per entry of RULES and
    FORM_BODIES, written to the (ignored) results folder."""
    sections = [(ROOT / "soak" / "schemathesis.toml").read_text()]
    statuses = ", ".join(f'"{status}"' for status in _ANSWERS)
    for (method, path), rule in sorted(RULES.items(), key=lambda item: item[0][::-1]):
        # The operation's name, method and path together (an include-path and an
        # include-method would each select operations of their own).
        sections.append(
            f'\n[[operations]]\n# {rule}\ninclude-name = "{method} {path}"\n'
            f"checks.positive_data_acceptance.expected-statuses = [{statuses}]\n"
        )
    for method, path in FORM_BODIES:
        sections.append(
            f'\n[[operations]]\ninclude-name = "{method} {path}"\n'
            "checks.negative_data_rejection.enabled = false\n"
        )
    path = directory / "schemathesis.toml"
    path.write_text("".join(sections))
    return path


def main() -> int:
    env, users = prepare(os.environ.get("FUZZ_DB", "cadence_rel_fuzz"), users=1)
    key = users[0]["key"]
    report = ROOT / "soak" / "results"
    report.mkdir(exist_ok=True)
    with gunicorn(env) as (base, _):
        command = [
            str(Path(sys.executable).parent / "schemathesis"),
            "--config-file",
            str(config_file(report)),
            "run",
            f"{base}/api/schema/",
            "--header",
            f"Authorization: Api-Key {key}",
            "--checks",
            "all",
            "--generation-allow-x00",
            "false",
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
