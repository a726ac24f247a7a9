"""Does password reset's timing tell which addresses have an account?

    python -m bench reset-timing                 (SQLite, a test database in a temporary file)
    DATABASE_URL=postgres://... python -m bench reset-timing

POST /api/v1/auth/password-reset/ over HTTP to a live server in this process, REQUESTS
times each for an address with an account and one without, alternating. A request's time is
what a client sees: from sending it to reading the whole answer. The token, the mail or the
"no account" note are made after the answer has gone out; the next request waits until that
is done, so the two never overlap. Prints both medians and their difference (target: under
5 ms), and the median time until the mail was queued, for contrast. Figures, never
assertions.
"""

import http.client
import json
import os
import statistics
import tempfile
import time

REQUESTS = 40
PATH = "/api/v1/auth/password-reset/"
KNOWN = "reset-timing@example.com"
UNKNOWN = "nobody-here@example.com"
TARGET_MS = 5.0


def _post(port: int, email: str) -> float:
    body = json.dumps({"email": email})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        start = time.perf_counter()
        connection.request("POST", PATH, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
    finally:
        connection.close()
    assert response.status == 202, response.status
    return elapsed * 1000


def _wait_for_mail(outbox, count: int, started: float) -> float:
    deadline = time.perf_counter() + 30
    while len(outbox) < count:
        if time.perf_counter() > deadline:
            raise TimeoutError("the reset's mail never came")
        time.sleep(0.0005)
    return (time.perf_counter() - started) * 1000


def run() -> dict:
    """Measure in the current (test) database; the caller sets it up."""
    from django.core import mail
    from django.db import connections
    from django.test import override_settings
    from django.test.testcases import LiveServerThread, _StaticFilesHandler

    from accounts.tests.factories import UserFactory

    UserFactory(email=KNOWN)
    limits = {"password_reset": "100000/hour", "password_reset_email": "100000/hour"}
    with override_settings(ACCOUNTS_THROTTLE_RATES=limits, ALLOWED_HOSTS=["127.0.0.1"]):
        # An in-memory SQLite database exists in one connection: the server's thread shares
        # it, as Django's LiveServerTestCase does (requests never overlap here).
        shared = {
            conn.alias: conn
            for conn in connections.all()
            if conn.vendor == "sqlite" and conn.is_in_memory_db()
        }
        for conn in shared.values():
            conn.inc_thread_sharing()
        server = LiveServerThread("127.0.0.1", _StaticFilesHandler, shared, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            mail.outbox = []
            times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
            done: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
            _post(server.port, UNKNOWN)  # warm up: first-request imports and caches
            _wait_for_mail(mail.outbox, 1, time.perf_counter())
            for index in range(REQUESTS * 2):
                email = KNOWN if index % 2 == 0 else UNKNOWN
                expected = len(mail.outbox) + 1
                started = time.perf_counter()
                times[email].append(_post(server.port, email))
                done[email].append(_wait_for_mail(mail.outbox, expected, started))
        finally:
            server.terminate()
            for connection in shared.values():
                connection.dec_thread_sharing()

    known, unknown = (statistics.median(times[email]) for email in (KNOWN, UNKNOWN))
    figures = {
        "requests_each": REQUESTS,
        "known_p50_ms": round(known, 2),
        "unknown_p50_ms": round(unknown, 2),
        "difference_ms": round(abs(known - unknown), 2),
        "target_ms": TARGET_MS,
        "known_mail_queued_p50_ms": round(statistics.median(done[KNOWN]), 2),
        "unknown_mail_queued_p50_ms": round(statistics.median(done[UNKNOWN]), 2),
    }
    met = "met" if figures["difference_ms"] < TARGET_MS else "MISSED"
    print(f"reset_timing: POST {PATH}, {REQUESTS} each, known vs unknown address, over HTTP")
    for name, value in figures.items():
        print(f"  {name:28} {value}")
    print(f"  median difference {figures['difference_ms']} ms, target < {TARGET_MS} ms: {met}")
    return figures


def main() -> None:
    """Standalone: a throwaway database of its own (a temporary file for SQLite, so the
    server's thread and this one each have a connection), dropped at the end."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    with tempfile.TemporaryDirectory() as folder:
        test = connection.settings_dict["TEST"]
        if connection.vendor == "sqlite":
            test["NAME"] = os.path.join(folder, "reset.sqlite3")
        else:
            test["NAME"] = f"test_{connection.settings_dict['NAME']}_reset_timing"
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            run()
        finally:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
