from django.contrib import admin

from config.models import AppSetting


@admin.register(AppSetting)
class AppSettingAdmin(admin.ModelAdmin):
    list_display = ["setting_key", "category", "is_public", "updated_at"]
    list_filter = ["category", "is_public"]
    search_fields = ["setting_key", "description"]
    readonly_fields = ["id", "created_at", "updated_at"]
    ordering = ["category", "setting_key"]
