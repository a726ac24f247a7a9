from django import forms
from django.contrib.auth import forms as auth_forms

from accounts import services
from accounts.models import User, UserSettings


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
    key_name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    read_only = forms.BooleanField(required=False, help_text="A read-only key can't change data.")
    expires_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty for a key that doesn't expire.",
    )
