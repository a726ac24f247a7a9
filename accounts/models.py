import uuid

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
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
