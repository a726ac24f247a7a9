from django.db.models import Exists, OuterRef
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from teams import selectors, services
from teams.api import filters, serializers
from teams.models import Group, GroupMembership, Team, TeamInvite, TeamMember

TEAM_PK = OpenApiParameter("team_pk", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _schema_only(view) -> bool:
    """True while drf-spectacular builds the schema (no real user to scope to)."""
    return getattr(view, "swagger_fake_view", False)


class TeamViewSet(viewsets.ModelViewSet):
    """Teams the requesting user is an active member of."""

    serializer_class = serializers.TeamSerializer
    filterset_class = filters.TeamFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if _schema_only(self):
            return Team.objects.none()
        return selectors.teams_of_user(user=self.request.user)

    def _reload(self, team):
        return self.get_queryset().get(pk=team.pk)

    def perform_create(self, serializer):
        team = services.team_create(owner=self.request.user, **serializer.validated_data)
        serializer.instance = self._reload(team)

    def perform_update(self, serializer):
        team = services.team_update(
            team=serializer.instance, acting_user=self.request.user, data=serializer.validated_data
        )
        serializer.instance = self._reload(team)

    def perform_destroy(self, instance):
        services.team_delete(team=instance, acting_user=self.request.user)


class TeamScopedMixin:
    """For resources under /teams/{team_pk}/: the team must be one of the user's."""

    @cached_property
    def team(self):
        return get_object_or_404(
            selectors.teams_of_user(user=self.request.user), pk=self.kwargs["team_pk"]
        )

    @cached_property
    def my_membership(self) -> TeamMember:
        membership = selectors.team_membership(team=self.team, user=self.request.user)
        if membership is None:
            # Ended by a concurrent request since the team was looked up: no longer theirs.
            raise NotFound()
        return membership


@extend_schema(parameters=[TEAM_PK, OpenApiParameter("user_id", OpenApiTypes.UUID, "path")])
class TeamMemberViewSet(
    TeamScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Members of one of my teams, addressed by user id. Lists active members unless
    `?is_active=` asks for the history."""

    serializer_class = serializers.TeamMemberSerializer
    filterset_class = filters.TeamMemberFilter
    search_fields = ["user__username", "user__display_name"]
    ordering_fields = ["joined_at", "role"]
    lookup_field = "user_id"
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if _schema_only(self):
            return TeamMember.objects.none()
        queryset = TeamMember.objects.filter(team=self.team).select_related("user")
        if "is_active" not in self.request.query_params:
            queryset = queryset.filter(is_active=True)
        return queryset

    def perform_update(self, serializer):
        role = serializer.validated_data.get("role")
        if role is not None:
            serializer.instance = services.team_member_change_role(
                membership=serializer.instance, acting_user=self.request.user, role=role
            )

    def perform_destroy(self, instance):
        services.team_member_remove(membership=instance, acting_user=self.request.user)


@extend_schema(parameters=[TEAM_PK])
class TeamInviteViewSet(
    TeamScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Invites of one of my teams (owners and admins). DELETE revokes."""

    serializer_class = serializers.TeamInviteSerializer
    filterset_class = filters.TeamInviteFilter
    search_fields = ["email"]
    ordering_fields = ["created_at", "expires_at"]

    def get_queryset(self):
        if _schema_only(self):
            return TeamInvite.objects.none()
        if self.my_membership.role not in services.MANAGER_ROLES:
            raise PermissionDenied("Only owners and admins can see a team's invites.")
        return selectors.team_invites(team=self.team)

    def _issued(self, invite, token) -> Response:
        invite.token = token
        invite.accept_url = services.invite_accept_url(token)
        body = serializers.TeamInviteIssuedSerializer(invite).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={201: serializers.TeamInviteIssuedSerializer})
    def create(self, request, *args, **kwargs):
        # Resolve the team before validating: another user's team is a 404, not a 400.
        self.team  # noqa: B018
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invite, token = services.team_invite_create(
            team=self.team, acting_user=request.user, **serializer.validated_data
        )
        return self._issued(invite, token)

    def perform_destroy(self, instance):
        services.team_invite_revoke(invite=instance, acting_user=self.request.user)

    @extend_schema(request=None, responses={201: serializers.TeamInviteIssuedSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request, *args, **kwargs):
        """A new token and expiry, emailed again; the old invite is revoked."""
        invite, token = services.team_invite_resend(
            invite=self.get_object(), acting_user=request.user
        )
        return self._issued(invite, token)


class TeamInviteAcceptView(APIView):
    """Join a team with the token from an invite email."""

    @extend_schema(
        request=serializers.TeamInviteAcceptSerializer,
        responses={201: serializers.TeamMemberSerializer},
    )
    def post(self, request):
        serializer = serializers.TeamInviteAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.team_invite_accept(
            token=serializer.validated_data["token"], user=request.user
        )
        body = serializers.TeamMemberSerializer(membership).data
        return Response(body, status=status.HTTP_201_CREATED)


class GroupViewSet(viewsets.ModelViewSet):
    """Community groups: public ones for everyone, private ones for their members."""

    serializer_class = serializers.GroupSerializer
    filterset_class = filters.GroupFilter
    search_fields = ["name", "description", "tags"]
    ordering_fields = ["name", "created_at", "member_count"]
    lookup_field = "slug"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if _schema_only(self):
            return Group.objects.none()
        mine = GroupMembership.objects.filter(
            group=OuterRef("pk"), user=self.request.user, is_active=True
        )
        return selectors.groups_visible_to(user=self.request.user).annotate(is_member=Exists(mine))

    def _reload(self, group):
        return self.get_queryset().get(pk=group.pk)

    def perform_create(self, serializer):
        group = services.group_create(owner=self.request.user, **serializer.validated_data)
        serializer.instance = self._reload(group)

    def perform_update(self, serializer):
        group = services.group_update(
            group=serializer.instance, acting_user=self.request.user, data=serializer.validated_data
        )
        serializer.instance = self._reload(group)

    def perform_destroy(self, instance):
        services.group_delete(group=instance, acting_user=self.request.user)

    @extend_schema(request=None, responses={201: serializers.GroupMembershipSerializer})
    @action(detail=True, methods=["post"])
    def join(self, request, *args, **kwargs):
        membership = services.group_join(group=self.get_object(), user=request.user)
        body = serializers.GroupMembershipSerializer(membership).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def leave(self, request, *args, **kwargs):
        services.group_leave(group=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: serializers.GroupMembershipSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])
    def members(self, request, *args, **kwargs):
        group = self.get_object()
        queryset = (
            GroupMembership.objects.filter(group=group, is_active=True)
            .select_related("user")
            .order_by("joined_at", "id")
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            serializers.GroupMembershipSerializer(page, many=True).data
        )
