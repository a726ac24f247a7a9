from django.db import migrations

SYSTEM_ROLES = {
    "admin": "Full system access",
    "user": "Standard user access",
    "viewer": "Read-only access",
    "moderator": "Moderation capabilities",
}


def create_system_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    UserRole = apps.get_model("accounts", "UserRole")
    User = apps.get_model("accounts", "User")
    for name, description in SYSTEM_ROLES.items():
        Role.objects.update_or_create(
            name=name, defaults={"description": description, "is_system": True, "is_active": True}
        )
    # Users that predate roles get the default one, as new users do.
    user_role = Role.objects.get(name="user")
    UserRole.objects.bulk_create(
        [UserRole(user_id=pk, role=user_role) for pk in User._base_manager.values_list("pk", flat=True)],
        ignore_conflicts=True,
    )


def remove_system_roles(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(name__in=SYSTEM_ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_roles_keys_sessions_resets")]

    operations = [migrations.RunPython(create_system_roles, remove_system_roles)]
