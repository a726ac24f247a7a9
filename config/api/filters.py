from config.filters import FilterSet
from config.models import AppSetting


class AppSettingFilter(FilterSet):
    class Meta:
        model = AppSetting
        fields = ["setting_key", "category", "is_public"]
