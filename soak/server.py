"""A throwaway Cadence server for the soak and fuzz runs: fresh database, users, API keys,
gunicorn with 2 workers on a free port."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = os.environ.get("SOAK_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/cadence_rel_soak")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name: str) -> str:
    parts = urlsplit(PG_BASE)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_connect() -> psycopg.Connection:
    return psycopg.connect(database_url("postgres"), autocommit=True)


def recreate_database(name: str) -> str:
    with admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def server_env(db_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": db_url,
            "ACCOUNT_EMAIL_VERIFICATION": "optional",
            "THROTTLE_USER": "1000000/minute",
            "THROTTLE_ANON": "1000000/minute",
            "LOG_LEVEL": "WARNING",
            "REDIS_URL": "",
            # As production writes the request log: after the response (auditing.writer).
            "AUDIT_SESSION_ACTIVITY_BACKGROUND": "true",
        }
    )
    env.update(extra)
    return env


SETUP = r"""
import json, sys
import django
django.setup()
from accounts import services
from accounts.tests.factories import UserFactory
from teams.tests.factories import verify_email
out = []
for i in range(int(sys.argv[1])):
    user = UserFactory(username=f"soak{i}", email=f"soak{i}@example.org")
    verify_email(user)
    _, key = services.api_key_create(user=user, key_name="soak")
    out.append({"id": str(user.pk), "username": user.username, "email": user.email, "key": key})
print(json.dumps(out))
"""


def prepare(db_name: str, users: int, **extra: str) -> tuple[dict[str, str], list[dict]]:
    env = server_env(recreate_database(db_name), **extra)
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    made = subprocess.run(
        [python, "-c", SETUP, str(users)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return env, json.loads(made.stdout.strip().splitlines()[-1])


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, timeout: int = 30):
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--timeout={timeout}",
        "--graceful-timeout=5",
        "--log-level=warning",
    ]
    log = open(ROOT / "soak" / f"gunicorn-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    try:
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def worker_pids(master: subprocess.Popen) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-P", str(master.pid)], capture_output=True, text=True, check=False
    )
    return [int(pid) for pid in found.stdout.split()]
