from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import StaffWithMFAWritesOrReadOnly, is_staff_with_mfa
from core.pagination import CursorPagination
from core.renderers import ORJSONParser
from social import selectors, services
from social.api import filters
from social.api.serializers import (
    ChatGroupInviteSerializer,
    ChatGroupMemberSerializer,
    ChatGroupSerializer,
    EmojiCategorySerializer,
    EmojiFavoriteSerializer,
    EmojiSerializer,
    IssuedChatInviteSerializer,
    MessageSerializer,
    MyStatusSerializer,
    NotificationSerializer,
    PresenceHeartbeatSerializer,
    UserStatusSerializer,
)
from social.models import (
    ChatGroup,
    ChatGroupMember,
    Emoji,
    EmojiCategory,
    EmojiFavorite,
    Message,
    Notification,
)


class StaffWritesOrReadOnly(StaffWithMFAWritesOrReadOnly):
    """Any signed-in user reads; only staff write, with two-factor when the admin requires
    it."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return super().has_permission(request, view)


class EmojiCategoryViewSet(viewsets.ModelViewSet):
    """Emoji categories. DELETE deactivates, so emoji in it keep rendering."""

    serializer_class = EmojiCategorySerializer
    permission_classes = [StaffWritesOrReadOnly]
    filterset_class = filters.EmojiCategoryFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        queryset = EmojiCategory.objects.order_by("sort_order", "id")
        return queryset if is_staff_with_mfa(self.request.user) else queryset.filter(is_active=True)

    def perform_create(self, serializer):
        serializer.instance = services.emoji_category_create(data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.emoji_category_update(
            category=serializer.instance, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.emoji_category_update(category=instance, data={"is_active": False})


class EmojiViewSet(viewsets.ModelViewSet):
    """The emoji catalogue. Staff add custom emoji (multipart `image`); DELETE deactivates."""

    serializer_class = EmojiSerializer
    parser_classes = [ORJSONParser, MultiPartParser]
    permission_classes = [StaffWritesOrReadOnly]
    filterset_class = filters.EmojiFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        queryset = Emoji.objects.select_related("category").order_by("sort_order", "shortcode")
        if is_staff_with_mfa(self.request.user):
            return queryset
        return queryset.filter(is_active=True, category__is_active=True)

    def perform_create(self, serializer):
        serializer.instance = services.emoji_create_custom(data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.emoji_update(
            emoji=serializer.instance, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.emoji_deactivate(emoji=instance)


class EmojiFavoriteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The user's favourite emoji, most used first."""

    serializer_class = EmojiFavoriteSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no user to scope by.
            return EmojiFavorite.objects.none()
        return (
            EmojiFavorite.objects.filter(user=self.request.user)
            .select_related("emoji")
            .order_by("-usage_count", "-last_used", "-created_at")
        )

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if "emoji" in getattr(serializer, "fields", {}):
            serializer.fields["emoji"].queryset = Emoji.objects.filter(is_active=True)
        return serializer

    def perform_create(self, serializer):
        serializer.instance = services.emoji_favorite_add(
            user=self.request.user, emoji=serializer.validated_data["emoji"]
        )

    def perform_destroy(self, instance):
        services.emoji_favorite_remove(favorite=instance)

    @extend_schema(request=None, responses=EmojiFavoriteSerializer)
    @action(detail=True, methods=["post"])
    def use(self, request, pk=None):
        favorite = services.emoji_favorite_use(favorite=self.get_object())
        return Response(self.get_serializer(favorite).data)


class NotificationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Own notifications, newest first; expired ones are hidden. PATCH `{is_read}`."""

    serializer_class = NotificationSerializer
    filterset_class = filters.NotificationFilter
    pagination_class = CursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no user to scope by.
            return Notification.objects.none()
        return selectors.notifications_visible(user=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = services.notification_set_read(
            notification=serializer.instance,
            is_read=serializer.validated_data.get("is_read", serializer.instance.is_read),
        )

    @extend_schema(
        request=None,
        responses=inline_serializer("MarkedRead", {"updated": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="mark-all-read")
    def mark_all_read(self, request):
        updated = services.notification_mark_all_read(user=request.user)
        return Response({"updated": updated})

    @extend_schema(
        responses=inline_serializer("UnreadCount", {"count": serializers.IntegerField()})
    )
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"count": selectors.notification_unread_count(user=request.user)})


class ChatGroupViewSet(viewsets.ModelViewSet):
    """Chat groups I belong to. The creator becomes a member; only the creator (or staff)
    deletes a group."""

    serializer_class = ChatGroupSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["is_primary"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no user to scope by.
            return ChatGroup.objects.none()
        return selectors.chat_groups_of(user=self.request.user).order_by("-created_at")

    def perform_create(self, serializer):
        serializer.instance = services.chat_group_create(
            creator=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.chat_group_update(
            group=serializer.instance, acting_user=self.request.user, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.chat_group_delete(group=instance, acting_user=self.request.user)

    @extend_schema(responses=ChatGroupMemberSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        group = self.get_object()
        queryset = (
            ChatGroupMember.objects.filter(group=group, user__is_deleted=False)
            .select_related("user")
            .order_by("joined_at")
        )
        page = self.paginate_queryset(queryset)
        serializer = ChatGroupMemberSerializer(
            page, many=True, context=self.get_serializer_context()
        )
        return self.get_paginated_response(serializer.data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        services.chat_group_leave(group=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ChatGroupInviteSerializer, responses={201: IssuedChatInviteSerializer})
    @action(detail=True, methods=["post"])
    def invites(self, request, pk=None):
        group = self.get_object()
        serializer = ChatGroupInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = services.chat_group_invite_create(
            group=group, created_by=request.user, **serializer.validated_data
        )
        # The token is shown here once; only its hash is stored.
        issued.invite.token = issued.token
        body = IssuedChatInviteSerializer(issued.invite).data
        return Response(body, status=status.HTTP_201_CREATED)


class ChatInviteAcceptView(APIView):
    """POST /chat-invites/{token}/accept/: join the group. 404 for an unknown token, 410 when
    expired or used up."""

    @extend_schema(request=None, responses=ChatGroupMemberSerializer)
    def post(self, request, token: str):
        member = services.chat_group_invite_accept(token=token, user=request.user)
        body = ChatGroupMemberSerializer(member, context={"request": request}).data
        return Response(body, status=status.HTTP_200_OK)


class MessageViewSet(viewsets.ModelViewSet):
    """Messages I can read, newest first: `?group=<id>` for a group I belong to,
    `?with=<user_id>` for a two-person conversation. Senders edit and (soft) delete their own."""

    serializer_class = MessageSerializer
    pagination_class = CursorPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("group", OpenApiTypes.UUID),
            OpenApiParameter("with", OpenApiTypes.UUID),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _uuid_param(self, name: str):
        value = self.request.query_params.get(name)
        if value is None:
            return None
        try:
            return serializers.UUIDField().to_internal_value(value)
        except serializers.ValidationError as exc:
            raise ValidationError({name: exc.detail}) from exc

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no user to scope by.
            return Message.objects.none()
        user = self.request.user
        queryset = selectors.messages_visible(user=user)
        if self.action == "list":
            group_id = self._uuid_param("group")
            other_id = self._uuid_param("with")
            if group_id is not None and other_id is not None:
                raise ValidationError({"with": ["Use either group or with, not both."]})
            if group_id is not None:
                get_object_or_404(selectors.chat_groups_of(user=user), pk=group_id)
                queryset = Message.objects.filter(group_id=group_id)
            elif other_id is not None:
                queryset = selectors.conversation(user=user, other_id=other_id)
        return queryset

    def perform_create(self, serializer):
        serializer.instance = services.message_send(
            sender=self.request.user,
            content=serializer.validated_data["content"],
            group=serializer.validated_data.get("group"),
            receiver=serializer.validated_data.get("receiver"),
        )

    def perform_update(self, serializer):
        serializer.instance = services.message_edit(
            message=serializer.instance,
            editor=self.request.user,
            content=serializer.validated_data.get("content", serializer.instance.content),
        )

    def perform_destroy(self, instance):
        services.message_delete(message=instance, editor=self.request.user)


class MyStatusView(generics.RetrieveUpdateAPIView):
    """GET, PATCH /me/status/: own presence (manual status text, expiry, invisible)."""

    serializer_class = MyStatusSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return selectors.user_status_for(user=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = services.user_status_update(
            user=self.request.user, data=serializer.validated_data
        )


class HeartbeatView(APIView):
    """POST /me/status/heartbeat/ `{device_id, is_afk?}`: this device is connected now."""

    @extend_schema(request=PresenceHeartbeatSerializer, responses=MyStatusSerializer)
    def post(self, request):
        serializer = PresenceHeartbeatSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        presence = services.user_status_heartbeat(
            user=request.user,
            device_id=serializer.validated_data["device_id"],
            is_afk=serializer.validated_data["is_afk"],
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(MyStatusSerializer(presence).data)


class UserStatusView(generics.RetrieveAPIView):
    """GET /users/{id}/status/: another user's presence as others see it."""

    serializer_class = UserStatusSerializer

    def get_object(self):
        user = get_object_or_404(User.objects.all(), pk=self.kwargs["user_id"])
        return selectors.user_status_for(user=user)
