from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django import forms
from django.contrib import messages
from django.contrib.auth import forms as auth_forms

from accounts import selectors, services
from accounts.models import ApiKey, User, UserSettings


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User


class AdminPasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """The admin's password form, saving through the service."""

    def save(self, commit=True):
        usable = self.cleaned_data["set_usable_password"]
        return services.user_password_set(
            user=self.user, password=self.cleaned_data["password1"] if usable else None
        )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "first_name", "last_name", "avatar_url", "bio", "profile_type"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 3})}


class SettingsForm(forms.ModelForm):
    openai_api_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Leave empty to keep the current key. It is stored encrypted and never shown.",
    )

    class Meta:
        model = UserSettings
        fields = [
            "theme",
            "language",
            "time_zone",
            "tracking_enabled",
            "incognito_mode",
            "screenshots_enabled",
            "screenshot_interval",
            "screenshot_quality",
            "blur_screenshots",
            "idle_timeout",
            "track_idle",
            "data_retention_days",
            "notifications_enabled",
            "break_reminders",
            "start_on_boot",
        ]


class ApiKeyCreateForm(forms.Form):
    # Each choice is the comma-separated scopes the key gets.
    ACCESS_CHOICES = [
        (
            f"{ApiKey.Scope.READ},{ApiKey.Scope.WRITE}",
            "Read and write: scripts that manage your data",
        ),
        (ApiKey.Scope.READ.value, "Read only: can't change anything"),
        (ApiKey.Scope.INGEST.value, "Tracker: sends activity and heartbeats, reads nothing"),
    ]

    key_name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    access = forms.ChoiceField(
        choices=ACCESS_CHOICES,
        initial=f"{ApiKey.Scope.READ},{ApiKey.Scope.WRITE}",
        help_text="No key can create or revoke keys, sign sessions out or change your "
        "email, password or two-factor settings.",
    )
    expires_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty for a key that doesn't expire.",
    )


class AddEmailForm(allauth_forms.AddEmailForm):
    """allauth's email page (ACCOUNT_FORMS["add_email"]): a new address is asked for the way
    the API asks for it (accounts.services.user_email_change_request), so an address another
    account uses gets no link and is never confirmed, and the page says the same either way."""

    def save(self, request):
        email = self.cleaned_data["email"]
        services.user_email_change_request(user=self.user, email=email, request=request)
        get_adapter(request).add_message(
            request,
            messages.INFO,
            "account/messages/email_confirmation_sent.txt",
            {"email": email, "login": True, "signup": False},
        )
        # allauth announces an added address only when the row exists.
        found = EmailAddress.objects.filter(user=self.user, email__iexact=email).first()
        return found or EmailAddress(user=self.user, email=email)


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    """allauth's "choose a new password" page (ACCOUNT_FORMS["reset_password_from_key"]),
    with a box, checked, to revoke every API key as well: whoever knew the old password may
    hold a key too, and a new password doesn't stop keys."""

    revoke_api_keys = forms.BooleanField(
        required=False, initial=True, label="Also revoke all my API keys"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        keys = list(selectors.api_keys_usable_of(user=self.user)) if self.user else []
        field = self.fields["revoke_api_keys"]
        if keys:
            names = ", ".join(f"{key.key_name} ({key.prefix}…)" for key in keys)
            field.help_text = f"Keys that work now: {names}."
        else:
            field.help_text = "You have no API key that works now."

    def save(self):
        super().save()
        if self.cleaned_data.get("revoke_api_keys") and self.user is not None:
            services.api_keys_revoke_all(user=self.user)
