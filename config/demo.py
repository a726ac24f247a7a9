"""Demo app settings: a few public ones the clients read and one staff-only."""

from config.models import AppSetting

DEMO_SETTINGS = [
    {
        "setting_key": "ui.announcement",
        "setting_value": {"text": "Welcome to Cadence!", "level": "info"},
        "description": "Banner shown to every client.",
        "category": "ui",
        "is_public": True,
    },
    {
        "setting_key": "tracking.heartbeat_pulsetime",
        "setting_value": 60,
        "description": "Default seconds within which heartbeats extend an activity.",
        "category": "tracking",
        "is_public": True,
    },
    {
        "setting_key": "audit.retention_days",
        "setting_value": 365,
        "description": "How long prune_audit_logs keeps audit rows.",
        "category": "auditing",
        "is_public": False,
    },
]


def seed(users) -> list[str]:
    for spec in DEMO_SETTINGS:
        AppSetting.objects.get_or_create(setting_key=spec["setting_key"], defaults=spec)
    return [f"App settings: {len(DEMO_SETTINGS)} (GET /api/v1/app-settings/)"]
