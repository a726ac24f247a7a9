import contextvars
import logging
from collections.abc import Callable
from functools import partial

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api import serializers
from accounts.api.throttles import PasswordResetEmailThrottle, PasswordResetIPThrottle
from accounts.models import ApiKey, Role, User, UserPreference, UserSession
from accounts.permissions import (
    SESSION_ONLY_MESSAGE,
    SessionOnlyWrites,
    api_key_of,
    is_staff_with_mfa,
    reauthentication_needed_message,
    recently_reauthenticated,
)
from core.client_ip import client_ip
from core.renderers import ORJSONParser

logger = logging.getLogger(__name__)


class MeView(generics.RetrieveUpdateAPIView):
    """GET and PATCH the signed-in user's profile.

    A new `email` is a credential change: it needs a signed-in session that re-authenticated
    recently (never an API key, 403 otherwise), and answers 202: a link goes to the new
    address, a notice to the current one, and the address changes when the link is followed.
    The other fields of the same PATCH are saved at once.
    """

    serializer_class = serializers.MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    @extend_schema(
        responses={
            200: serializers.MeSerializer,
            202: serializers.EmailChangeAcceptedSerializer,
        }
    )
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        user = self.get_object()
        serializer = self.get_serializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        new_email = data.pop("email", None)
        if new_email is not None and new_email.lower() == user.email.lower():
            new_email = None
        if new_email is not None:
            if api_key_of(request) is not None:
                raise exceptions.PermissionDenied(SESSION_ONLY_MESSAGE)
            if not recently_reauthenticated(request):
                raise exceptions.PermissionDenied(reauthentication_needed_message())
        if data:
            services.user_update(user=user, data=data)
        if new_email is None:
            return Response(self.get_serializer(user).data)
        services.user_email_change_request(user=user, email=new_email, request=request._request)
        body = {
            "detail": (
                f"We sent a link to {new_email}. Your email address changes when it is "
                "followed; until then it stays as it is."
            ),
            "pending_email": new_email,
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


class MeSettingsView(generics.RetrieveUpdateAPIView):
    """GET and PATCH the signed-in user's settings."""

    serializer_class = serializers.UserSettingsSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return selectors.user_settings_get(user=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = services.user_settings_update(
            settings=serializer.instance, data=serializer.validated_data
        )


class UserPreferenceViewSet(viewsets.ModelViewSet):
    """The user's key/value preferences, addressed by key. PUT creates or replaces."""

    # The schema generator's model hint; requests use get_queryset().
    queryset = UserPreference.objects.none()

    serializer_class = serializers.UserPreferenceSerializer
    lookup_field = "preference_key"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9_.:-]*"
    filterset_fields = ["preference_key"]
    search_fields = ["preference_key"]
    ordering_fields = ["preference_key", "updated_at"]

    def get_queryset(self):
        return UserPreference.objects.filter(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.user_preference_create(
            user=self.request.user,
            preference_key=serializer.validated_data["preference_key"],
            value=serializer.validated_data.get("preference_value", {}),
        )

    @extend_schema(
        request=serializers.UserPreferenceValueSerializer,
        responses={
            200: serializers.UserPreferenceSerializer,
            201: serializers.UserPreferenceSerializer,
        },
    )
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        key = kwargs[self.lookup_field]
        if partial:
            # PATCH changes an existing preference; only PUT may create one.
            current = self.get_object()
        body = serializers.UserPreferenceValueSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        if "preference_value" not in body.validated_data:  # a PATCH that changes nothing
            return Response(self.get_serializer(current).data)
        preference, created = services.user_preference_set(
            user=request.user, preference_key=key, value=body.validated_data["preference_value"]
        )
        return Response(
            self.get_serializer(preference).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=serializers.UserPreferenceValueSerializer,
        responses={200: serializers.UserPreferenceSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        """Change an existing preference's value; the key is in the path."""
        return super().partial_update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.user_preference_delete(preference=instance)


class ApiKeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The user's API keys. The key itself is in the create answer only; DELETE revokes.

    Keys are made and revoked from a signed-in session only: a key that could make keys
    would outlive its own revocation.
    """

    # The schema generator's model hint; requests use get_queryset().
    queryset = ApiKey.objects.none()

    permission_classes = [permissions.IsAuthenticated, SessionOnlyWrites]
    serializer_class = serializers.ApiKeySerializer
    filterset_fields = ["is_active"]
    search_fields = ["key_name", "description", "prefix"]
    ordering_fields = ["created_at", "last_used_at", "expires_at", "key_name"]

    def get_queryset(self):
        return ApiKey.objects.filter(user=self.request.user)

    @extend_schema(responses={201: serializers.ApiKeyCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key, full_key = services.api_key_create(user=request.user, **serializer.validated_data)
        api_key.key = full_key
        return Response(
            serializers.ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED
        )

    def perform_destroy(self, instance):
        services.api_key_revoke(api_key=instance)


class UserSessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The user's signed-in sessions; DELETE signs one out, revoke-others all but this one
    (and every API key, with `include_api_keys`). Signing out takes a session, not a key."""

    # The schema generator's model hint; requests use get_queryset().
    queryset = UserSession.objects.none()

    permission_classes = [permissions.IsAuthenticated, SessionOnlyWrites]
    serializer_class = serializers.UserSessionSerializer
    filterset_fields = ["kind", "login_method"]
    ordering_fields = ["last_activity", "created_at"]

    def get_queryset(self):
        return selectors.user_sessions_of(user=self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["current_session_hash"] = selectors.session_key_hash_for_request(self.request)
        return context

    def perform_destroy(self, instance):
        services.user_session_revoke(session=instance, reason=UserSession.RevocationReason.USER)

    @extend_schema(
        request=serializers.RevokeOthersSerializer,
        responses={200: serializers.RevokeOthersResultSerializer},
    )
    # The body is optional and one flag: a form-encoded or empty multipart body is read too.
    @action(
        detail=False,
        methods=["post"],
        url_path="revoke-others",
        parser_classes=[ORJSONParser, FormParser, MultiPartParser],
    )
    def revoke_others(self, request):
        body = serializers.RevokeOthersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        current = selectors.user_session_for_request(request)
        if current is not None and current.user_id != request.user.pk:
            current = None
        revoked = services.user_sessions_revoke_all(
            user=request.user, reason=UserSession.RevocationReason.OTHERS, keep=current
        )
        answer = {"revoked": revoked}
        if body.validated_data["include_api_keys"]:
            answer["api_keys_revoked"] = services.api_keys_revoke_all(user=request.user)
        return Response(answer)


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """Users: public profile fields for everyone signed in, all fields for staff."""

    # The schema generator's model hint; requests use get_queryset().
    queryset = User.objects.none()

    search_fields = ["username", "display_name"]
    ordering_fields = ["username", "created_at"]
    filterset_fields = ["username"]

    def get_queryset(self):
        queryset = User.objects.filter(is_active=True).order_by("username")
        if is_staff_with_mfa(self.request.user):
            return User.objects.prefetch_related("roles").order_by("username")
        return queryset

    def get_serializer_class(self):
        if self.action == "roles":
            return serializers.RoleAssignmentSerializer
        if is_staff_with_mfa(self.request.user):
            return serializers.StaffUserSerializer
        return serializers.PublicUserSerializer

    @extend_schema(
        request=serializers.RoleAssignmentSerializer,
        responses={200: serializers.RoleSerializer(many=True)},
    )
    @action(detail=True, methods=["post", "delete"], url_path="roles")
    def roles(self, request, pk=None):
        user = self.get_object()
        needed = "accounts.add_userrole" if request.method == "POST" else "accounts.delete_userrole"
        if not (is_staff_with_mfa(request.user) and request.user.has_perm(needed)):
            return Response(
                {"detail": "You do not have permission to assign roles."},
                status=status.HTTP_403_FORBIDDEN,
            )
        data = request.data if request.data else request.query_params
        body = serializers.RoleAssignmentSerializer(data=data)
        body.is_valid(raise_exception=True)
        role = body.validated_data["role"]
        if request.method == "POST":
            services.role_assign(user=user, role=role, assigned_by=request.user)
            answer = status.HTTP_201_CREATED
        else:
            services.role_unassign(user=user, role=role)
            answer = status.HTTP_200_OK
        roles = Role.objects.filter(user_roles__user=user).prefetch_related("permissions")
        return Response(serializers.RoleSerializer(roles, many=True).data, status=answer)


class RoleViewSet(viewsets.ReadOnlyModelViewSet):
    """The roles that exist (read-only here; staff manage them in the admin)."""

    serializer_class = serializers.RoleSerializer
    queryset = Role.objects.prefetch_related("permissions").order_by("name")
    filterset_fields = ["is_system", "is_active"]
    search_fields = ["name", "description"]


class ResponseThen(Response):
    """A response that runs `then` once it has been sent: servers call a response's close()
    after its last byte (WSGI and ASGI alike, and Django's test client too). `then` runs in
    the request's context (the audit trail's actor, address and request id) and outside its
    transaction, so it commits on its own; a failure is logged, never raised."""

    def __init__(self, *args, then: Callable[[], object], **kwargs):
        super().__init__(*args, **kwargs)
        self._then: Callable[[], object] | None = then
        self._then_context = contextvars.copy_context()

    def close(self):
        then, self._then = self._then, None
        try:
            if then is not None:
                self._then_context.run(then)
        except Exception:
            logger.exception("work after the response failed")
        finally:
            super().close()


class PasswordResetRequestView(APIView):
    """Always 202, whether or not the address has an account. Looking the address up,
    issuing the token and queuing the mail all happen after the answer is sent, so its
    timing is the same for every address."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [PasswordResetIPThrottle, PasswordResetEmailThrottle]

    @extend_schema(request=serializers.PasswordResetRequestSerializer, responses={202: None})
    def post(self, request):
        body = serializers.PasswordResetRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reset = partial(
            services.password_reset_request,
            email=body.validated_data["email"],
            client_ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return ResponseThen(
            {"detail": "If an account uses this address, a reset link is on its way."},
            status=status.HTTP_202_ACCEPTED,
            then=reset,
        )


class PasswordResetConfirmView(APIView):
    """Spend a reset token on a new password; 204, or 400 naming the problem. With
    `revoke_api_keys` every API key of the account is revoked too."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [PasswordResetIPThrottle]

    @extend_schema(request=serializers.PasswordResetConfirmSerializer, responses={204: None})
    def post(self, request):
        body = serializers.PasswordResetConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.password_reset_confirm(
            secret=body.validated_data["token"],
            new_password=body.validated_data["new_password"],
            revoke_api_keys=body.validated_data["revoke_api_keys"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
