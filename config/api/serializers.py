from rest_framework import serializers

from config.models import AppSetting


class AppSettingSerializer(serializers.ModelSerializer):
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
