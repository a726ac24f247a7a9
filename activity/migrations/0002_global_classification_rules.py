"""Global classification rules for common apps and sites (user null, staff-managed)."""

from django.db import migrations

# (app_name, url_pattern, category, is_productive, priority)
RULES = [
    ("code", "", "development", True, 10),
    ("visual studio code", "", "development", True, 10),
    ("pycharm*", "", "development", True, 10),
    ("intellij*", "", "development", True, 10),
    ("xcode", "", "development", True, 10),
    ("android studio", "", "development", True, 10),
    ("sublime text", "", "development", True, 10),
    ("vim", "", "development", True, 10),
    ("terminal", "", "development", True, 10),
    ("iterm2", "", "development", True, 10),
    ("windows terminal", "", "development", True, 10),
    ("figma", "", "design", True, 10),
    ("sketch", "", "design", True, 10),
    ("photoshop*", "", "design", True, 10),
    ("slack", "", "communication", True, 5),
    ("microsoft teams", "", "communication", True, 5),
    ("zoom*", "", "meetings", True, 5),
    ("outlook", "", "communication", True, 5),
    ("notion", "", "documentation", True, 5),
    ("obsidian", "", "documentation", True, 5),
    ("word", "", "documentation", True, 5),
    ("excel", "", "documentation", True, 5),
    ("spotify", "", "entertainment", False, 5),
    ("steam", "", "entertainment", False, 5),
    ("discord", "", "social", False, 3),
    ("", r"(^|[/.])github\.com", "development", True, 20),
    ("", r"(^|[/.])gitlab\.com", "development", True, 20),
    ("", r"(^|[/.])stackoverflow\.com", "development", True, 20),
    ("", r"(^|[/.])docs\.python\.org", "documentation", True, 20),
    ("", r"(^|[/.])developer\.mozilla\.org", "documentation", True, 20),
    ("", r"(^|[/.])docs\.google\.com", "documentation", True, 20),
    ("", r"(^|[/.])youtube\.com", "entertainment", False, 20),
    ("", r"(^|[/.])netflix\.com", "entertainment", False, 20),
    ("", r"(^|[/.])twitch\.tv", "entertainment", False, 20),
    ("", r"(^|[/.])reddit\.com", "social", False, 20),
    ("", r"(^|[/.])(twitter|x)\.com", "social", False, 20),
    ("", r"(^|[/.])facebook\.com", "social", False, 20),
    ("", r"(^|[/.])instagram\.com", "social", False, 20),
]


def load(apps, schema_editor):
    rule_model = apps.get_model("activity", "ClassificationRule")
    rule_model.objects.bulk_create(
        [
            rule_model(
                user=None,
                app_name=app,
                url_pattern=url,
                category=category,
                is_productive=productive,
                priority=priority,
            )
            for app, url, category, productive, priority in RULES
        ]
    )


def unload(apps, schema_editor):
    rule_model = apps.get_model("activity", "ClassificationRule")
    rule_model.objects.filter(user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("activity", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
