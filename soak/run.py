"""`make soak`: 50 concurrent clients for 60 s against gunicorn (2 workers) + PostgreSQL,
then the faults. Prints p50/p99 per endpoint and the checks; exits non-zero on any failure.

Checks: zero 5xx in the plain load; every acknowledged write (201) is in the database
afterwards, counted by id; during `pg_terminate_backend` of the app's connections answers
are 2xx/4xx or a 503 with a JSON body and the service recovers without a restart; with
Redis configured and then stopped nothing 500s; killing a gunicorn worker mid-load loses
no acknowledged write. In the plain load and the Redis run, every answered request has its
session-activity row once the server has stopped. SOAK_SECONDS and SOAK_CLIENTS change the
bounds.
"""

import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from soak.server import ROOT, database_url, free_port, gunicorn, prepare, worker_pids

CLIENTS = int(os.environ.get("SOAK_CLIENTS", "50"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
DB = os.environ.get("SOAK_DB", "cadence_rel_soak")
PIDFILE = ROOT / "soak" / "results" / "redis.pid"

# Table behind each write endpoint, to count acknowledged writes afterwards.
TABLES = {
    "activities": "activities",
    "heartbeat": "activities",
    "invites": "team_invites",
    "messages": "messages",
}


class Stats:
    def __init__(self):
        self.latency = defaultdict(list)
        self.status = defaultdict(lambda: defaultdict(int))
        self.acked = defaultdict(set)
        self.bad = []

    def record(self, name, response, started):
        self.latency[name].append((time.perf_counter() - started) * 1000)
        self.status[name][response.status_code] += 1
        if response.status_code >= 500:
            body = response.text[:200]
            is_json = response.headers.get("content-type", "").startswith("application/json")
            self.bad.append((name, response.status_code, is_json, body))


def _now(offset_s: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_s)).isoformat()


async def client_loop(index, base, user, peer, team_id, stats, stop):
    headers = {"Authorization": f"Api-Key {user['key']}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        n = 0
        while not stop.is_set():
            n += 1
            choice = random.random()
            started = time.perf_counter()
            try:
                if choice < 0.30:
                    name = "heartbeat"
                    body = {
                        "app_name": random.choice(["Code", "Mail", "Docs"]),
                        "window_title": f"w{n % 5}",
                        "timestamp": _now(),
                        "pulsetime": 60,
                    }
                    r = await http.post("/api/v1/activities/heartbeat/", json=body)
                elif choice < 0.40:
                    name = "activities"
                    start = datetime.now(UTC) - timedelta(days=random.randint(0, 29))
                    rows = [
                        {
                            "app_name": f"App{k % 7}",
                            "window_title": f"bulk {index} {n} {k}",
                            "start_time": (start + timedelta(minutes=k)).isoformat(),
                            "end_time": (start + timedelta(minutes=k, seconds=50)).isoformat(),
                        }
                        for k in range(100)
                    ]
                    r = await http.post("/api/v1/activities/", json=rows)
                elif choice < 0.65:
                    name = "list"
                    r = await http.get("/api/v1/activities/", params={"page_size": 50})
                elif choice < 0.80:
                    name = "summary"
                    start = (datetime.now(UTC) - timedelta(days=30)).isoformat()
                    r = await http.get(
                        "/api/v1/activities/summary/",
                        params={"group_by": "category", "start": start},
                    )
                elif choice < 0.88 and team_id:
                    name = "invites"
                    email = f"soak-{uuid.uuid4().hex[:12]}@example.org"
                    r = await http.post(
                        f"/api/v1/teams/{team_id}/invites/", json={"email": email, "role": "member"}
                    )
                else:
                    name = "messages"
                    r = await http.post(
                        "/api/v1/messages/", json={"receiver": peer["id"], "content": f"hi {n}"}
                    )
            except httpx.HTTPError as exc:
                stats.latency.setdefault("transport_errors", []).append(0)
                stats.status["transport"][type(exc).__name__] += 1
                await asyncio.sleep(0.05)
                continue
            stats.record(name, r, started)
            if r.status_code == 201 and name in TABLES:
                body = r.json()
                for item in body if isinstance(body, list) else [body]:
                    if isinstance(item, dict) and "id" in item:
                        stats.acked[TABLES[name]].add(str(item["id"]))


async def load(base, users, teams, seconds, during=None):
    stats, stop = Stats(), asyncio.Event()
    tasks = [
        asyncio.create_task(
            client_loop(
                i,
                base,
                users[i % len(users)],
                users[(i + 1) % len(users)],
                teams.get(users[i % len(users)]["id"]),
                stats,
                stop,
            )
        )
        for i in range(CLIENTS)
    ]
    if during:
        await during()
    remaining = seconds - (time.monotonic() - load.started)
    await asyncio.sleep(max(0, remaining))
    stop.set()
    await asyncio.gather(*tasks)
    return stats


def count_missing(db_url, acked) -> dict[str, tuple[int, int]]:
    result = {}
    with psycopg.connect(db_url) as conn:
        for table, ids in acked.items():
            ids = sorted(ids)
            found = 0
            for start in range(0, len(ids), 5000):
                chunk = ids[start : start + 5000]
                found += conn.execute(
                    f"SELECT count(*) FROM {table} WHERE id = ANY(%s::uuid[])", [chunk]
                ).fetchone()[0]
            result[table] = (len(ids), found)
    return result


def report(title, stats, db_url, seconds, allow_503=False):
    print(f"\n== {title} ==")
    print(f"{'endpoint':<12}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    for name, values in sorted(stats.latency.items()):
        if name == "transport_errors":
            continue
        values = sorted(values)
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        statuses = dict(sorted(stats.status[name].items()))
        print(f"{name:<12}{len(values):>9}{statistics.median(values):>9.1f}{p99:>9.1f}  {statuses}")
    if stats.status.get("transport"):
        print(f"transport errors: {dict(stats.status['transport'])}")
    failures = []
    non_503 = [b for b in stats.bad if not (allow_503 and b[1] == 503 and b[2])]
    if non_503:
        failures.append(f"{len(non_503)} server errors, e.g. {non_503[:3]}")
    if allow_503:
        print(f"503 with JSON body: {sum(1 for b in stats.bad if b[1] == 503 and b[2])}")
    for table, (acked, found) in count_missing(db_url, stats.acked).items():
        print(f"acknowledged {table}: {acked}, in the database: {found}")
        if found != acked:
            failures.append(f"{acked - found} acknowledged {table} rows lost")
    total = sum(len(v) for k, v in stats.latency.items() if k != "transport_errors")
    print(f"requests: {total} in {seconds:.0f}s ({total / seconds:.0f}/s)")
    print("result:", "FAIL: " + "; ".join(failures) if failures else "ok")
    return failures


def setup_teams(base, users) -> dict[str, str]:
    teams = {}
    for user in users:
        r = httpx.post(
            f"{base}/api/v1/teams/",
            json={"name": f"T {user['username']}"},
            headers={"Authorization": f"Api-Key {user['key']}"},
            timeout=30,
        )
        r.raise_for_status()
        teams[user["id"]] = r.json()["id"]
    return teams


def terminate_app_connections(db_name) -> int:
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [db_name],
        ).fetchall()
    return len(rows)


def request_log_rows(db_url) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT count(*) FROM session_activities").fetchone()[0]


def check_request_log(db_url, before, stats) -> list[str]:
    """Every answered request (all of them authenticated) left its session-activity row,
    written after the response by each worker's thread and, at the latest, as the worker
    exited."""
    answered = sum(len(v) for k, v in stats.latency.items() if k != "transport_errors")
    written = request_log_rows(db_url) - before
    print(f"request log: {answered} requests answered, {written} session-activity rows")
    return [] if written == answered else [f"{answered - written} request-log rows lost"]


def run_phase(
    title, env, users, seconds, during=None, allow_503=False, extra_check=None, request_log=False
):
    db_url = env["DATABASE_URL"]
    with gunicorn(env) as (base, master):
        teams = setup_teams(base, users)
        logged_before = request_log_rows(db_url)
        load.started = time.monotonic()
        stats = asyncio.run(
            load(
                base,
                users,
                teams,
                seconds,
                during=(lambda: during(base, master)) if during else None,
            )
        )
        failures = report(title, stats, db_url, seconds, allow_503=allow_503)
        if extra_check:
            failures += extra_check(base, users)
    if request_log:
        failures += check_request_log(db_url, logged_before, stats)
    return failures


def main() -> int:
    env, users = prepare(DB, users=10)
    failures = []

    failures += run_phase(
        f"load: {CLIENTS} clients, {SECONDS:.0f}s", env, users, SECONDS, request_log=True
    )

    async def kill_db(base, master):
        for _ in range(3):
            await asyncio.sleep(SECONDS / 8)
            print(f"pg_terminate_backend: {terminate_app_connections(DB)} connections")

    def recovered(base, users):
        r = httpx.get(
            f"{base}/api/v1/activities/",
            timeout=10,
            headers={"Authorization": f"Api-Key {users[0]['key']}"},
        )
        ok = r.status_code == 200
        print(f"after the faults, same server: GET /activities/ -> {r.status_code}")
        return [] if ok else [f"no recovery: {r.status_code}"]

    failures += run_phase(
        "fault: PostgreSQL connections terminated (x3)",
        env,
        users,
        SECONDS / 2,
        during=kill_db,
        allow_503=True,
        extra_check=recovered,
    )

    async def kill_worker(base, master):
        for _ in range(2):
            await asyncio.sleep(SECONDS / 8)
            pids = worker_pids(master)
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                print(f"SIGKILL gunicorn worker {pids[0]}")

    failures += run_phase(
        "fault: gunicorn worker killed mid-request (x2)",
        env,
        users,
        SECONDS / 2,
        during=kill_worker,
        allow_503=True,
    )

    redis_port = free_port()
    PIDFILE.parent.mkdir(exist_ok=True)
    subprocess.run(
        [
            "redis-server",
            "--port",
            str(redis_port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--pidfile",
            str(PIDFILE.with_name(f"redis-{redis_port}.pid")),
        ],
        check=True,
        capture_output=True,
    )
    time.sleep(0.5)
    redis_env = dict(
        env,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        CELERY_BROKER_URL="memory://",
        CELERY_TASK_ALWAYS_EAGER="true",
    )

    async def stop_redis(base, master):
        await asyncio.sleep(SECONDS / 8)
        with open(str(PIDFILE.with_name(f"redis-{redis_port}.pid"))) as handle:
            pid = int(handle.read().strip())
        os.kill(pid, signal.SIGTERM)
        print(f"stopped our own redis-server (pid {pid}, port {redis_port})")

    failures += run_phase(
        "fault: Redis configured, then stopped",
        redis_env,
        users,
        SECONDS / 2,
        during=stop_redis,
        request_log=True,
    )

    print("\nSOAK:", "FAILED\n  " + "\n  ".join(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
