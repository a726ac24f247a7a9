"""The page the invite email links to."""

import pytest

from teams import services
from teams.models import TeamMember
from teams.tests.factories import TeamFactory, make_invite, verify_email

pytestmark = pytest.mark.django_db
PAGE = "/team-invites/accept/"


@pytest.fixture
def team():
    return TeamFactory(name="Core")


def test_anonymous_visitor_is_sent_to_sign_in_first(client, team):
    _, token = make_invite(team, "guest@example.com")
    response = client.get(PAGE, {"token": token})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_invitee_sees_the_invite_and_joins(client, team, user):
    verify_email(user)
    _, token = make_invite(team, user.email, role="admin")
    client.force_login(user)
    page = client.get(PAGE, {"token": token})
    assert page.status_code == 200
    assert b"Core" in page.content and b"as admin" in page.content
    response = client.post(PAGE, {"token": token})
    assert response.status_code == 302
    assert TeamMember.objects.get(team=team, user=user, is_active=True).role == "admin"


def test_unverified_address_is_refused_and_nothing_changes(client, team, user):
    _, token = make_invite(team, user.email)
    client.force_login(user)
    response = client.post(PAGE, {"token": token})
    assert response.status_code == 400
    assert b"verified" in response.content
    assert not TeamMember.objects.filter(team=team, user=user).exists()


def test_revoked_invite_says_so(client, team, user):
    verify_email(user)
    invite, token = make_invite(team, user.email)
    services.team_invite_revoke(invite=invite, acting_user=team.owner)
    client.force_login(user)
    assert b"This invite is revoked" in client.get(PAGE, {"token": token}).content
    response = client.post(PAGE, {"token": token})
    assert response.status_code == 400
    assert not TeamMember.objects.filter(team=team, user=user).exists()


def test_unknown_token_is_a_clear_400(client, user):
    client.force_login(user)
    response = client.get(PAGE, {"token": "tinv_nope"})
    assert response.status_code == 400
    assert b"not valid" in response.content
