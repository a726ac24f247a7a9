import factory
from allauth.account.models import EmailAddress

from accounts.tests.factories import UserFactory
from teams import services
from teams.models import Group, Team, TeamMember, TeamRole


class TeamFactory(factory.django.DjangoModelFactory):
    """Teams made through the service, so the owner is also the first member."""

    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    owner = factory.SubFactory(UserFactory)
    max_members = 5

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.team_create(**kwargs)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Group {n}")
    owner = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.group_create(**kwargs)


def verify_email(user, email: str | None = None) -> EmailAddress:
    address, _ = EmailAddress.objects.update_or_create(
        user=user, email=email or user.email, defaults={"verified": True}
    )
    return address


def add_member(team: Team, user=None, role: str = TeamRole.MEMBER) -> TeamMember:
    """Add a member the way production does: an invite, accepted."""
    user = user or UserFactory()
    verify_email(user)
    _, token = services.team_invite_create(
        team=team, acting_user=team.owner, email=user.email, role=role
    )
    return services.team_invite_accept(token=token, user=user)


def make_invite(team: Team, email: str, role: str = TeamRole.MEMBER):
    """(invite, token)"""
    return services.team_invite_create(team=team, acting_user=team.owner, email=email, role=role)
