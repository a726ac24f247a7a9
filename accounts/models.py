import uuid

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

# The SmartHub schema's `email_format` check, kept verbatim (it is case-insensitive there too).
EMAIL_FORMAT_REGEX = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}$"


class UserQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(is_deleted=False)

    def deleted(self):
        return self.filter(is_deleted=True)


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    """Manager that can hide soft-deleted users; logins never find them either way."""

    def __init__(self, *, include_deleted: bool = False):
        super().__init__()
        self.include_deleted = include_deleted

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if self.include_deleted else queryset.alive()

    def get_by_natural_key(self, username):
        return self.get_queryset().alive().get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person who uses Cadence: the union of the user columns of the five seed schemas.

    OAuth identities live in allauth's SocialAccount and TOTP secrets in allauth's MFA
    authenticators, so the seeds' provider/totp columns have no place here.
    """

    class Plan(models.TextChoices):
        FREE = "free", "Free"
        PERSONAL = "personal", "Personal"
        PRO = "pro", "Pro"
        TEAM = "team", "Team"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address", max_length=255)
    display_name = models.CharField(max_length=100, blank=True)
    avatar_url = models.URLField(max_length=512, blank=True)
    bio = models.TextField(max_length=1000, blank=True)
    profile_type = models.CharField(
        max_length=50, blank=True, help_text="developer, designer, manager, ..."
    )
    plan = models.CharField(max_length=50, choices=Plan.choices, default=Plan.FREE)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    is_trial_active = models.BooleanField(default=False)
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    onboarding_completed = models.BooleanField(default=False)
    email_verified = models.BooleanField(default=False)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # `created_at` replaces Django's `date_joined`, so the table has one creation time.
    date_joined = None

    # `objects` hides soft-deleted users. Django's own machinery (the admin, unique
    # validation, dumpdata) goes through `all_objects`, so a deleted user's email or
    # username is never reported as free and then refused by the database.
    objects = UserManager()
    all_objects = UserManager(include_deleted=True)

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        db_table = "users"
        default_manager_name = "all_objects"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="users_email_ci_unique",
                violation_error_message="A user with that email already exists.",
            ),
            models.UniqueConstraint(
                Lower("username"),
                name="users_username_ci_unique",
                violation_error_message="A user with that username already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(email__iregex=EMAIL_FORMAT_REGEX),
                name="email_format",
                violation_error_message="Enter a valid email address.",
            ),
            models.CheckConstraint(
                condition=models.Q(is_deleted=False) | models.Q(deleted_at__isnull=False),
                name="users_deleted_has_time",
            ),
        ]
        indexes = [
            models.Index(models.F("created_at").desc(), name="idx_users_created_at"),
            models.Index(fields=["stripe_customer_id"], name="ix_users_stripe_customer_id"),
            models.Index(fields=["is_active"], name="idx_users_is_active"),
        ]

    def __str__(self):
        return self.display_name or self.username

    def clean(self):
        super().clean()
        self.email = self.__class__.all_objects.normalize_email(self.email)

    @property
    def public_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username


def _valid_time_zone(value: str) -> None:
    from zoneinfo import available_timezones

    from django.core.exceptions import ValidationError

    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone.")


class UserSettings(models.Model):
    """A user's tracker and interface preferences (Productify Pro `user_settings`), one per user.

    Created with the user (see accounts.signals); other apps read it to decide whether to
    accept tracking data (`tracking_enabled`, `incognito_mode`, `screenshots_enabled`, ...).
    """

    class Theme(models.TextChoices):
        DARK = "dark", "Dark"
        LIGHT = "light", "Light"
        SYSTEM = "system", "System"

    class Language(models.TextChoices):
        EN = "en", "English"
        ES = "es", "Español"
        FR = "fr", "Français"
        DE = "de", "Deutsch"
        JA = "ja", "日本語"

    class ScreenshotQuality(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="settings")
    theme = models.CharField(max_length=20, choices=Theme.choices, default=Theme.SYSTEM)
    language = models.CharField(max_length=10, choices=Language.choices, default=Language.EN)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[_valid_time_zone])
    start_on_boot = models.BooleanField(default=False)
    tracking_enabled = models.BooleanField(default=True)
    screenshots_enabled = models.BooleanField(default=False)
    screenshot_interval = models.PositiveIntegerField(
        default=300, validators=[MinValueValidator(1)], help_text="seconds"
    )
    screenshot_quality = models.CharField(
        max_length=20, choices=ScreenshotQuality.choices, default=ScreenshotQuality.MEDIUM
    )
    blur_screenshots = models.BooleanField(default=False)
    incognito_mode = models.BooleanField(default=False)
    data_retention_days = models.PositiveIntegerField(
        default=365, validators=[MinValueValidator(1)]
    )
    notifications_enabled = models.BooleanField(default=True)
    break_reminders = models.BooleanField(default=True)
    idle_timeout = models.PositiveIntegerField(
        default=300, validators=[MinValueValidator(1)], help_text="seconds before AFK"
    )
    track_idle = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "user_settings"
        verbose_name = "user settings"
        verbose_name_plural = "user settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(screenshot_interval__gt=0), name="settings_interval_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(idle_timeout__gt=0), name="settings_idle_timeout_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(data_retention_days__gt=0), name="settings_retention_positive"
            ),
        ]

    def __str__(self):
        return f"Settings of {self.user}"

    @property
    def accepts_tracking(self) -> bool:
        """Whether activity data may be recorded for this user right now."""
        return self.tracking_enabled and not self.incognito_mode
