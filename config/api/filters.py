import django_filters

from config.models import AppSetting


class AppSettingFilter(django_filters.FilterSet):
    class Meta:
        model = AppSetting
        fields = ["setting_key", "category", "is_public"]
