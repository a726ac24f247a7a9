from django.contrib import admin

from config import services
from config.models import AppSetting
from core.admin import ServiceAdmin


@admin.register(AppSetting)
class AppSettingAdmin(ServiceAdmin):
    list_display = ["setting_key", "category", "is_public", "updated_at"]
    list_filter = ["category", "is_public"]
    search_fields = ["setting_key", "description"]
    readonly_fields = ["id", "created_at", "updated_at"]
    ordering = ["category", "setting_key"]

    def service_create(self, request, obj, form):
        return services.app_setting_create(**form.cleaned_data)

    def service_update(self, request, obj, data):
        services.app_setting_update(setting=obj, data=data)

    def service_delete(self, request, obj):
        services.app_setting_delete(setting=obj)
