"""Concurrency on PostgreSQL: each thread has its own connection and its own request."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from accounts.tests.factories import StaffUserFactory, UserFactory
from social import services
from social.models import ChatGroup, ChatGroupMember, EmojiFavorite
from social.tests.factories import EmojiFavoriteFactory
from tests.api_cases import APIResourceCases

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_together(calls, workers: int = 10):
    barrier = threading.Barrier(min(workers, len(calls)))

    def run(call):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, calls))


def test_fifty_concurrent_uses_are_all_counted():
    user = UserFactory()
    favorite = EmojiFavoriteFactory(user=user)
    path = f"/api/v1/emoji-favorites/{favorite.pk}/use/"

    def use():
        return APIResourceCases.client_for(user).post(path).status_code

    statuses = _run_together([use] * 50)
    assert statuses == [200] * 50
    assert EmojiFavorite.objects.get(pk=favorite.pk).usage_count == 50


def test_single_use_invite_accepted_concurrently_admits_one():
    owner = UserFactory()
    group = services.chat_group_create(creator=owner, name="Race")
    token = services.chat_group_invite_create(group=group, created_by=owner).token
    joiners = [UserFactory() for _ in range(8)]

    def accept(joiner):
        return lambda: (
            APIResourceCases.client_for(joiner)
            .post(f"/api/v1/chat-invites/{token}/accept/")
            .status_code
        )

    statuses = _run_together([accept(j) for j in joiners], workers=8)
    assert sorted(statuses) == [200] + [410] * 7
    assert ChatGroupMember.objects.filter(group=group).count() == 2


def test_concurrent_primary_groups_leave_exactly_one():
    staff = StaffUserFactory()

    def create(n):
        return lambda: (
            APIResourceCases.client_for(staff)
            .post("/api/v1/chat-groups/", {"name": f"Lobby {n}", "is_primary": True})
            .status_code
        )

    statuses = _run_together([create(n) for n in range(6)], workers=6)
    assert sorted(statuses) == [201] + [400] * 5
    assert ChatGroup.objects.filter(is_primary=True).count() == 1
