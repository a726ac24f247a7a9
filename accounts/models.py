import uuid

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length, Lower
from django.db.models.lookups import Exact
from django.utils import timezone

from accounts.crypto import EncryptedTextField

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
    # Write-only in the API and encrypted at rest: a third-party secret the user lends us.
    openai_api_key = EncryptedTextField(blank=True, default="")
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


SHA256_HEX_LENGTH = 64


class Role(models.Model):
    """A named bundle of Django permissions (SmartHub `roles`); users hold roles, roles grant.

    The system roles (admin, user, viewer, moderator) come from a data migration and can't be
    deleted; accounts.backends.RolePermissionBackend makes their permissions count everywhere.
    """

    ADMIN = "admin"
    USER = "user"
    VIEWER = "viewer"
    MODERATOR = "moderator"
    SYSTEM_ROLES = (ADMIN, USER, VIEWER, MODERATOR)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(max_length=500, blank=True)
    is_system = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    permissions = models.ManyToManyField(
        "auth.Permission", blank=True, related_name="cadence_roles"
    )
    users = models.ManyToManyField(
        User,
        through="UserRole",
        through_fields=("role", "user"),
        related_name="roles",
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "roles"
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="idx_roles_name")]

    def __str__(self):
        return self.name


class UserRole(models.Model):
    """A role held by a user, with who assigned it and when (SmartHub `user_roles`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="user_roles")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="user_roles")
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "user_roles"
        ordering = ["assigned_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="user_roles_user_role_unique")
        ]
        indexes = [
            models.Index(fields=["user", "role"], name="idx_user_roles_composite"),
        ]

    def __str__(self):
        return f"{self.user} as {self.role}"


class UserPreference(models.Model):
    """One free-form key/value preference of a user (Idling.app `user_preferences`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="preferences")
    preference_key = models.CharField(
        max_length=100,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
                "Use letters, digits and . _ : - (starting with a letter or digit).",
            )
        ],
    )
    preference_value = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "user_preferences"
        ordering = ["preference_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "preference_key"], name="user_preferences_user_key_unique"
            )
        ]

    def __str__(self):
        return f"{self.user}: {self.preference_key}"


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, *, now=None):
        now = now or timezone.now()
        return self.filter(is_active=True, revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(models.Model):
    """A personal API key (`Authorization: Api-Key cad_<prefix>_<secret>`).

    Only the SHA-256 of the full key is stored; the key itself is shown once, on creation.
    `prefix` is the public part, so users and staff can tell keys apart without the secret.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Write"
        # Activity events and heartbeats only: what a tracker needs, and nothing a leaked
        # tracker key could use to read or change anything else.
        INGEST = "ingest", "Ingest"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    key_name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=SHA256_HEX_LENGTH, unique=True, editable=False)
    # Comma-separated scopes, as in the seed: `read` allows safe methods, `write` any
    # method, `ingest` the tracker endpoints (accounts.permissions). No key, whatever its
    # scopes, manages keys, sessions or credentials.
    permissions = models.CharField(max_length=100, default="read,write")
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        db_table = "api_keys"
        verbose_name = "API key"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("key_hash"), SHA256_HEX_LENGTH), name="key_length"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    permissions__regex=r"^(read|write|ingest)(,(read|write|ingest))*$"
                ),
                name="api_keys_permissions_known",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "created_at"], name="idx_api_keys_user_created"),
            models.Index(fields=["expires_at"], name="idx_api_keys_expires_at"),
            models.Index(fields=["is_active"], name="idx_api_keys_active"),
        ]

    def __str__(self):
        return f"{self.key_name} ({self.prefix}…)"

    @property
    def scopes(self) -> list[str]:
        return [scope for scope in self.permissions.split(",") if scope]

    @property
    def can_read(self) -> bool:
        return self.Scope.READ in self.scopes or self.can_write

    @property
    def can_write(self) -> bool:
        return self.Scope.WRITE in self.scopes

    @property
    def can_ingest(self) -> bool:
        return self.Scope.INGEST in self.scopes or self.can_write


class UserSessionQuerySet(models.QuerySet):
    def live(self, *, now=None):
        now = now or timezone.now()
        return self.filter(is_active=True, revoked_at__isnull=True, expires_at__gt=now)


class UserSession(models.Model):
    """One signed-in session: a browser cookie or a headless app `X-Session-Token`.

    The single source of truth for "which sessions does this user have": identified by the
    SHA-256 of the Django session key (which is also the headless session token), never the
    key itself. A session whose row is revoked, inactive or expired is ended on its next
    request (accounts.middleware / accounts.authentication).
    """

    class Kind(models.TextChoices):
        BROWSER = "browser", "Browser"
        APP = "app", "App (session token)"

    class RevocationReason(models.TextChoices):
        LOGOUT = "logout", "Signed out"
        USER = "revoked_by_user", "Revoked by the user"
        OTHERS = "revoked_others", "Other sessions revoked by the user"
        STAFF = "revoked_by_staff", "Revoked by staff"
        PASSWORD_RESET = "password_reset", "Password reset"
        PASSWORD_CHANGE = "password_change", "Password changed"
        EXPIRED = "expired", "Expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tracked_sessions")
    session_key_hash = models.CharField(max_length=SHA256_HEX_LENGTH, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.BROWSER)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    device_fingerprint = models.CharField(max_length=255, blank=True)
    location = models.CharField(max_length=255, blank=True)
    login_method = models.CharField(max_length=50, blank=True)
    is_active = models.BooleanField(default=True)
    last_activity = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(
        max_length=100, choices=RevocationReason.choices, blank=True
    )
    request_count = models.PositiveIntegerField(default=0)
    suspicious_activity = models.BooleanField(default=False)
    session_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        db_table = "user_sessions"
        ordering = ["-last_activity"]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("session_key_hash"), SHA256_HEX_LENGTH),
                name="user_sessions_hash_length",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | models.Q(is_active=False),
                name="user_sessions_revoked_inactive",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "is_active"], name="idx_user_sessions_user_active"),
            models.Index(fields=["expires_at"], name="idx_sessions_expires_at"),
        ]

    def __str__(self):
        return f"{self.user} from {self.client_ip or 'unknown'} ({self.login_method or '-'})"


class PasswordResetToken(models.Model):
    """A single-use password reset token (both seed reset tables unified).

    The emailed secret is never stored, only its SHA-256. A new request for the same user
    revokes the previous live token and points back to it (`previous_token`).
    """

    class RevocationReason(models.TextChoices):
        SUPERSEDED = "superseded", "A newer reset was requested"
        PASSWORD_CHANGED = "password_changed", "The password was changed"
        STAFF = "revoked_by_staff", "Revoked by staff"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_reset_tokens")
    email = models.EmailField(max_length=255)
    token_hash = models.CharField(max_length=SHA256_HEX_LENGTH, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(
        max_length=100, choices=RevocationReason.choices, blank=True
    )
    max_uses = models.PositiveIntegerField(default=1)
    use_count = models.PositiveIntegerField(default=0)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    previous_token = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "password_reset_tokens"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("token_hash"), SHA256_HEX_LENGTH),
                name="password_reset_tokens_hash_length",
            ),
            models.CheckConstraint(
                condition=models.Q(use_count__lte=models.F("max_uses")),
                name="password_reset_tokens_uses_within_max",
            ),
            models.CheckConstraint(
                condition=models.Q(max_uses__gte=1), name="password_reset_tokens_max_uses_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "created_at"], name="idx_reset_tokens_user_created"),
            models.Index(fields=["expires_at"], name="idx_reset_tokens_expires_at"),
        ]

    def __str__(self):
        return f"Reset for {self.email} at {self.created_at:%Y-%m-%d %H:%M}"

    def is_usable(self, *, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.use_count < self.max_uses and self.expires_at > now
