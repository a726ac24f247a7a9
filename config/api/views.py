from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions, viewsets

from accounts.permissions import StaffWithMFAWritesOrReadOnly, is_staff_with_mfa
from config import services
from config.api.filters import AppSettingFilter
from config.api.serializers import AppSettingSerializer
from config.models import AppSetting


class ReadAnyoneWriteStaff(StaffWithMFAWritesOrReadOnly):
    """Anyone reads; staff write, with two-factor when the admin requires it."""


class PublicReadSchema(AutoSchema):
    """Reads need no credentials (the schema says so); writes keep the usual ones."""

    def get_auth(self):
        auths = super().get_auth()
        if self.method in permissions.SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths


class AppSettingViewSet(viewsets.ModelViewSet):
    """Public settings for anyone, all settings for staff; only staff write."""

    schema = PublicReadSchema()
    serializer_class = AppSettingSerializer
    permission_classes = [ReadAnyoneWriteStaff]
    filterset_class = AppSettingFilter
    search_fields = ["setting_key", "description"]
    ordering_fields = ["setting_key", "category", "updated_at"]
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_queryset(self):
        if is_staff_with_mfa(self.request.user):
            return AppSetting.objects.all()
        return AppSetting.objects.filter(is_public=True)

    def perform_create(self, serializer):
        serializer.instance = services.app_setting_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.app_setting_update(
            setting=serializer.instance, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.app_setting_delete(setting=instance)
