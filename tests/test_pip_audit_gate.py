"""The pip-audit gate of `make check`: plain about what it could not audit, failing only on
a real finding (or, with PIP_AUDIT_REQUIRED=1, on anything left unaudited)."""

from tests.pip_audit_gate import verdict

SKIPPED = {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"}
CLEAN = {"name": "gunicorn", "version": "27.0.1", "vulns": []}
VULNERABLE = {"name": "urllib3", "version": "1.0", "vulns": [{"id": "GHSA-xxxx"}]}


def test_nothing_audited_is_a_plain_warning_not_a_pass_or_a_failure():
    code, lines = verdict({"dependencies": [SKIPPED, SKIPPED]}, "", required=False)
    assert code == 0
    assert [line for line in lines if "WARNING: NOTHING WAS AUDITED" in line]
    assert not [line for line in lines if "0 vulnerable" in line]


def test_pip_audit_not_running_at_all_is_the_same_warning():
    code, lines = verdict(None, "ConnectionError: pypi.org unreachable", required=False)
    assert code == 0 and "NOTHING WAS AUDITED" in lines[-1]
    assert verdict(None, "", required=True)[0] == 1


def test_a_known_vulnerability_fails_even_when_others_were_skipped():
    code, lines = verdict({"dependencies": [SKIPPED, VULNERABLE]}, "", required=False)
    assert code == 1 and "urllib3 1.0 has known vulnerabilities: GHSA-xxxx" in lines[0]


def test_a_partial_audit_names_what_was_skipped():
    code, lines = verdict({"dependencies": [SKIPPED, CLEAN]}, "", required=False)
    assert code == 0 and "1 of 2 packages audited" in lines[0]
    assert "NOT AUDITED" in lines[1] and "django" in lines[1]
    assert verdict({"dependencies": [SKIPPED, CLEAN]}, "", required=True)[0] == 1


def test_a_clean_full_audit_passes():
    assert verdict({"dependencies": [CLEAN]}, "", required=True) == (
        0,
        ["pip-audit: all 1 packages audited, 0 vulnerable"],
    )
