"""GET /api/v1/me/ through the full stack vs /healthz/ (the cheapest view), in one process."""

import statistics
import time

from django.test import Client

from accounts.tests.factories import UserFactory

ROUNDS = 5
REQUESTS = 300


def _rate(client: Client, path: str) -> float:
    start = time.perf_counter()
    for _ in range(REQUESTS):
        response = client.get(path)
        assert response.status_code == 200
    return REQUESTS / (time.perf_counter() - start)


def run() -> dict:
    client = Client()
    client.force_login(UserFactory())
    me, health = [], []
    for _ in range(ROUNDS):  # interleaved so machine noise hits both alike
        me.append(_rate(client, "/api/v1/me/"))
        health.append(_rate(client, "/healthz/"))
    figures = {
        "me_rps_median": round(statistics.median(me)),
        "healthz_rps_median": round(statistics.median(health)),
        "ratio_me_to_healthz": round(statistics.median(me) / statistics.median(health), 3),
    }
    print("api_me: GET /api/v1/me/ vs /healthz/, session auth, in-process test client")
    for name, value in figures.items():
        print(f"  {name:24} {value}")
    return figures
