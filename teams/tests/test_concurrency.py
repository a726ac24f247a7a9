"""Races through the API, each thread on its own database connection (PostgreSQL only)."""

import threading

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from teams import services
from teams.models import Group, GroupMembership, TeamMember
from teams.tests.factories import GroupFactory, TeamFactory, add_member, make_invite, verify_email
from tests.api_cases import APIResourceCases

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ACCEPT = "/api/v1/team-invites/accept/"


def run_together(calls) -> list[int]:
    """Start every call at the same moment; return their status codes."""
    barrier = threading.Barrier(len(calls))
    codes: list[int] = []
    lock = threading.Lock()

    def worker(user, method, path, data):
        try:
            client = APIResourceCases.client_for(user)
            barrier.wait()
            status = getattr(client, method)(path, data).status_code
            with lock:
                codes.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(codes) == len(calls)
    return codes


def test_twenty_accepts_against_one_free_slot_admit_exactly_one():
    team = TeamFactory(max_members=3)
    add_member(team)
    calls = []
    for _ in range(20):
        invitee = UserFactory()
        verify_email(invitee)
        _, token = make_invite(team, invitee.email)
        calls.append((invitee, "post", ACCEPT, {"token": token}))

    codes = run_together(calls)

    assert sorted(codes) == [201] + [409] * 19
    assert TeamMember.objects.filter(team=team, is_active=True).count() == 3


def test_one_token_accepted_twenty_times_at_once_is_used_once():
    team = TeamFactory(plan="team", max_members=50)
    invitee = UserFactory()
    verify_email(invitee)
    _, token = make_invite(team, invitee.email)

    codes = run_together([(invitee, "post", ACCEPT, {"token": token})] * 20)

    assert sorted(codes) == [201] + [410] * 19
    assert TeamMember.objects.filter(team=team, user=invitee).count() == 1


def test_fifty_simultaneous_joins_and_leaves_keep_member_count_exact():
    group = GroupFactory(is_open=True)
    leavers = [UserFactory() for _ in range(25)]
    for user in leavers:
        services.group_join(group=group, user=user)
    joiners = [UserFactory() for _ in range(25)]
    base = f"/api/v1/groups/{group.slug}/"
    calls = [(u, "post", base + "join/", None) for u in joiners]
    calls += [(u, "post", base + "leave/", None) for u in leavers]

    codes = run_together(calls)

    assert sorted(codes) == [201] * 25 + [204] * 25
    group = Group.objects.get(pk=group.pk)
    active = GroupMembership.objects.filter(group=group, is_active=True).count()
    assert group.member_count == active == 26


def test_fifty_users_joining_a_group_with_ten_places_fill_it_exactly():
    group = GroupFactory(is_open=True, max_members=10)
    users = [UserFactory() for _ in range(50)]
    base = f"/api/v1/groups/{group.slug}/join/"

    codes = run_together([(u, "post", base, None) for u in users])

    assert sorted(codes) == [201] * 9 + [409] * 41
    group = Group.objects.get(pk=group.pk)
    assert group.member_count == 10
    assert GroupMembership.objects.filter(group=group, is_active=True).count() == 10
