from config.models import AppSetting
from core.serializers import ModelSerializer


class AppSettingSerializer(ModelSerializer):
    class Meta:
        model = AppSetting
        fields = [
            "id",
            "setting_key",
            "setting_value",
            "description",
            "category",
            "is_public",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
