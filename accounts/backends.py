"""Permissions granted through roles, so `user.has_perm()` (admin and API) honours them."""

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import Permission


class RolePermissionBackend(BaseBackend):
    """Grants the permissions of the user's active roles; authenticates nobody."""

    def get_role_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            rows = (
                Permission.objects.filter(
                    cadence_roles__user_roles__user=user_obj, cadence_roles__is_active=True
                )
                .values_list("content_type__app_label", "codename")
                .distinct()
            )
            user_obj._role_perm_cache = {f"{app}.{codename}" for app, codename in rows}
        return user_obj._role_perm_cache

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        return self.get_role_permissions(user_obj, obj)

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        return any(
            perm[: perm.index(".")] == app_label for perm in self.get_all_permissions(user_obj)
        )
