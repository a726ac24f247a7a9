"""Admin sign-in through allauth, and (where settings require it) staff must use 2FA."""

from functools import wraps

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect


def staff_has_required_mfa(user) -> bool:
    """Whether the user satisfies the admin's two-factor rule (always, when it is off)."""
    return not settings.ADMIN_REQUIRE_MFA or is_mfa_enabled(user)


def admin_has_permission(original):
    """Wrap AdminSite.has_permission: staff without 2FA are turned away when it's required."""

    @wraps(original)
    def has_permission(request):
        return original(request) and staff_has_required_mfa(request.user)

    return has_permission


def admin_login(original):
    """The admin's login view: anonymous visitors go to allauth's login (rate limits, MFA);
    signed-in staff without required 2FA are sent to set it up."""

    guarded = secure_admin_login(original)

    @wraps(original)
    def login(request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.is_staff and not staff_has_required_mfa(user):
            messages.warning(request, "Set up two-factor authentication to use the admin.")
            return redirect("mfa_activate_totp")
        return guarded(request, *args, **kwargs)

    return login
