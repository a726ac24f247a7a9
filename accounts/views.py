"""Server-rendered account pages: profile and settings, sessions, API keys."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import ApiKeyCreateForm, ProfileForm, SettingsForm
from accounts.models import ApiKey, User, UserSession, UserSettings


@login_required
def profile(request):
    user = request.user
    user_settings = selectors.user_settings_get(user=user)
    # Forms validate against copies: a bound ModelForm writes into its instance, and the
    # services must see the values as they were to know what changed.
    profile_form = ProfileForm(instance=user, prefix="profile")
    settings_form = SettingsForm(instance=user_settings, prefix="settings")
    if request.method == "POST" and "save_profile" in request.POST:
        profile_form = ProfileForm(
            request.POST, instance=User.objects.get(pk=user.pk), prefix="profile"
        )
        if profile_form.is_valid():
            services.user_update(user=user, data=profile_form.cleaned_data)
            messages.success(request, "Profile saved.")
            return redirect("accounts:profile")
    elif request.method == "POST":
        settings_form = SettingsForm(
            request.POST,
            instance=UserSettings.objects.get(pk=user_settings.pk),
            prefix="settings",
        )
        if settings_form.is_valid():
            data = dict(settings_form.cleaned_data)
            if not data.get("openai_api_key"):
                data.pop("openai_api_key", None)
            try:
                services.user_settings_update(settings=user_settings, data=data)
            except ValidationError as exc:
                settings_form.add_error(None, exc)
            else:
                messages.success(request, "Settings saved.")
                return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "profile_form": profile_form,
            "settings_form": settings_form,
            "roles": user.roles.all(),
            "has_openai_api_key": bool(user_settings.openai_api_key),
        },
    )


@login_required
def sessions(request):
    current = selectors.user_session_for_request(request)
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": selectors.user_sessions_of(user=request.user),
            "current_id": current.pk if current is not None else None,
        },
    )


@login_required
@require_POST
def session_revoke(request, session_id):
    session = get_object_or_404(UserSession.objects.live(), pk=session_id, user=request.user)
    services.user_session_revoke(session=session, reason=UserSession.RevocationReason.USER)
    messages.success(request, "The session was signed out.")
    return redirect("accounts:sessions")


@login_required
@require_POST
def sessions_revoke_others(request):
    current = selectors.user_session_for_request(request)
    count = services.user_sessions_revoke_all(
        user=request.user, reason=UserSession.RevocationReason.OTHERS, keep=current
    )
    message = f"{count} other session(s) signed out."
    # The form may carry a box to revoke every API key as well.
    if request.POST.get("include_api_keys"):
        keys = services.api_keys_revoke_all(user=request.user)
        message += f" {keys} API key(s) revoked."
    messages.success(request, message)
    return redirect("accounts:sessions")


@never_cache
@login_required
def api_keys(request):
    form = ApiKeyCreateForm()
    new_key = None
    if request.method == "POST":
        form = ApiKeyCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            scopes = data["access"].split(",")
            try:
                _, new_key = services.api_key_create(
                    user=request.user,
                    key_name=data["key_name"],
                    description=data["description"],
                    permissions=scopes,
                    expires_at=data["expires_at"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                form = ApiKeyCreateForm()
    return render(
        request,
        "accounts/api_keys.html",
        {
            "form": form,
            "new_key": new_key,
            "keys": ApiKey.objects.filter(user=request.user),
        },
    )


@login_required
@require_POST
def api_key_revoke(request, key_id):
    api_key = get_object_or_404(ApiKey, pk=key_id, user=request.user)
    services.api_key_revoke(api_key=api_key)
    messages.success(request, f"The key “{api_key.key_name}” was revoked.")
    return redirect("accounts:api_keys")
