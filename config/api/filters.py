from config.models import AppSetting
from core.filters import FilterSet


class AppSettingFilter(FilterSet):
    class Meta:
        model = AppSetting
        fields = ["setting_key", "category", "is_public"]
