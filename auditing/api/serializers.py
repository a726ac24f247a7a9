from auditing.models import AuditLog, SessionActivity, SessionAnalytics
from core.serializers import ModelSerializer


class AuditLogSerializer(ModelSerializer):
    class Meta:
        model = AuditLog
        fields = [
            "id",
            "user",
            "actor_label",
            "api_key_id",
            "action",
            "entity_type",
            "entity_id",
            "old_values",
            "new_values",
            "ip_address",
            "user_agent",
            "request_id",
            "client_request_id",
            "source",
            "metadata",
            "created_at",
        ]
        read_only_fields = fields


class SessionActivitySerializer(ModelSerializer):
    class Meta:
        model = SessionActivity
        fields = [
            "id",
            "session_id",
            "user",
            "activity_type",
            "endpoint",
            "method",
            "client_ip",
            "user_agent",
            "request_id",
            "client_request_id",
            "response_status",
            "extra_data",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SessionAnalyticsSerializer(ModelSerializer):
    class Meta:
        model = SessionAnalytics
        fields = [
            "id",
            "session_id",
            "user",
            "device_type",
            "browser",
            "os",
            "user_agent",
            "ip_address",
            "country",
            "city",
            "login_time",
            "last_activity",
            "logout_time",
            "session_duration",
            "page_views",
            "api_calls",
            "last_page",
            "last_endpoint",
            "is_suspicious",
            "security_score",
            "failed_actions",
            "risk_signals",
        ]
        read_only_fields = fields
