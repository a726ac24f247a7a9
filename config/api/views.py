from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions, viewsets

from config import services
from config.api.filters import AppSettingFilter
from config.api.serializers import AppSettingSerializer
from config.models import AppSetting


class ReadAnyoneWriteStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_staff)


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
        if self.request.user.is_staff:
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
