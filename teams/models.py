import uuid

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Use lowercase letters, digits and single hyphens (e.g. 'night-owls').",
)


class Team(models.Model):
    """A paying organisation whose members share tracking data (Productify Pro `teams`).

    `owner` is the primary owner; further owners are members with the owner role. Services keep
    `owner` pointing at an active owner member.
    """

    class Plan(models.TextChoices):
        FREE = "free", "Free"
        TEAM = "team", "Team"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_teams",
        db_index=False,
    )
    plan = models.CharField(max_length=50, choices=Plan.choices, default=Plan.FREE)
    max_members = models.PositiveIntegerField(default=5, validators=[MinValueValidator(1)])
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "teams"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner"], name="ix_teams_owner_id")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_members__gte=1), name="teams_max_members_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(plan__in=["free", "team"]), name="teams_plan_valid"
            ),
        ]

    def __str__(self):
        return self.name


class TeamRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class TeamMember(models.Model):
    """A user's membership of a team (Productify Pro `team_members`).

    Removal sets `is_active` to false so the history (who joined when, invited by whom) stays.
    """

    Role = TeamRole

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_column="invited_by",
    )
    joined_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "team_members"
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_members_team_user_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=TeamRole.values), name="team_members_role_valid"
            ),
        ]
        indexes = [models.Index(fields=["user", "is_active"], name="idx_team_members_user")]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.role})"


class TeamInviteQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted nor revoked (may still be expired)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self):
        return self.open().filter(expires_at__gt=timezone.now())


class TeamInvite(models.Model):
    """An emailed invitation to join a team (Productify Pro `team_invites`).

    Only the SHA-256 of the token is stored; the token itself is shown to the inviter once and
    sent by email. Single use (`accepted_at`), revocable (`revoked_at`), and it expires.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField(max_length=255)
    role = models.CharField(max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER)
    token_hash = models.CharField(max_length=64, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_column="invited_by",
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = TeamInviteQuerySet.as_manager()

    class Meta:
        db_table = "team_invites"
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["email"], name="ix_team_invites_email")]
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="ix_team_invites_token"),
            # At most one live invite per address and team: re-inviting revokes the old one.
            models.UniqueConstraint(
                "team",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="team_invites_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=models.Q(token_hash__regex=r"^[0-9a-f]{64}$"),  # noqa: S106 a pattern
                name="team_invites_token_hash_sha256",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="team_invites_not_accepted_and_revoked",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=TeamRole.values), name="team_invites_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.team}"

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING


class GroupQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(is_deleted=False)

    def visible_to(self, user):
        """Public groups plus private groups the user is an active member of."""
        member_of = GroupMembership.objects.filter(user=user, is_active=True).values("group_id")
        return self.alive().filter(models.Q(is_public=True) | models.Q(pk__in=member_of))


class GroupManager(models.Manager.from_queryset(GroupQuerySet)):
    def __init__(self, *, include_deleted: bool = False):
        super().__init__()
        self.include_deleted = include_deleted

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if self.include_deleted else queryset.alive()


class Group(models.Model):
    """A community group users join by themselves (users module `groups`).

    Not to be confused with `django.contrib.auth.models.Group` (permission groups).
    `member_count` always equals the active memberships: services change it with F() in the
    transaction that adds or deactivates the membership.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    slug = models.CharField(max_length=100, validators=[SLUG_VALIDATOR])
    description = models.CharField(max_length=1000, blank=True)
    is_public = models.BooleanField(default=True)
    is_open = models.BooleanField(default=True)
    is_system = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    member_count = models.PositiveIntegerField(default=0, editable=False)
    max_members = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    group_type = models.CharField(max_length=50, default="community")
    tags = models.CharField(max_length=500, blank=True, help_text="Comma-separated.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_community_groups",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="created_community_groups",
        db_column="created_by",
    )
    settings = models.JSONField(default=dict, blank=True)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # `objects` hides soft-deleted groups; the admin and uniqueness checks see them all, so a
    # deleted group's name or slug is never reported free and then refused by the database.
    objects = GroupManager()
    all_objects = GroupManager(include_deleted=True)

    class Meta:
        db_table = "groups"
        default_manager_name = "all_objects"
        ordering = ["name", "id"]
        verbose_name = "community group"
        verbose_name_plural = "community groups"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="groups_name_ci_unique",
                violation_error_message="A group with that name already exists.",
            ),
            models.UniqueConstraint(
                fields=["slug"],
                name="groups_slug_unique",
                violation_error_message="A group with that slug already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(max_members__isnull=True) | models.Q(max_members__gte=1),
                name="groups_max_members_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(max_members__isnull=True)
                | models.Q(member_count__lte=models.F("max_members")),
                name="groups_member_count_within_max",
            ),
            models.CheckConstraint(
                condition=models.Q(is_deleted=False) | models.Q(deleted_at__isnull=False),
                name="groups_deleted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["is_public", "is_deleted"], name="idx_groups_visibility")]

    def __str__(self):
        return self.name

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


class GroupMembership(models.Model):
    """A user's membership of a community group (users module `user_groups`).

    The seed keys this table by (user_id, group_id); a surrogate UUID keeps it usable in the
    admin while the unique constraint keeps the pair unique. Leaving deactivates the row.
    """

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MODERATOR = "moderator", "Moderator"
        MEMBER = "member", "Member"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="community_group_memberships",
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(default=timezone.now)
    joined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_column="joined_by",
    )
    role_in_group = models.CharField(max_length=50, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "user_groups"
        ordering = ["joined_at", "id"]
        verbose_name = "community group membership"
        verbose_name_plural = "community group memberships"
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="user_groups_user_group_unique"),
        ]
        indexes = [models.Index(fields=["group", "is_active"], name="idx_user_groups_group_active")]

    def __str__(self):
        return f"{self.user} in {self.group}"
