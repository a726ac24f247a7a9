"""Periodic jobs of the teams app, also run by `manage.py recount_group_members`."""

from teams import services
from teams.models import Group


def recount_group_members() -> list[str]:
    """Check every group's `member_count` against its active memberships and fix drift.

    Services keep the count exact; this is the safety net for rows changed outside them
    (raw SQL, restored backups). Returns one line per group that had drifted.
    """
    drift = services.group_recount_members(groups=Group.all_objects.only("pk"))
    return [f"{group.slug}: stored {stored}, actual {actual}" for group, stored, actual in drift]
