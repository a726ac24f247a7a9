"""Errors the teams services raise: the domain error family of core.errors, with the
messages teams gives by default. The API gives each its status code (403, 409, 410), the
admin and the invite page show its message."""

from core.errors import Conflict, Gone, NotAllowed, NotFound


class RoleRequired(NotAllowed):
    """The acting user's role in the team or group does not allow this."""

    default_message = "Your role in this team does not allow this."


class InviteGone(Gone):
    """The invite existed but can no longer be used (expired, accepted or revoked)."""

    default_message = "This invite can no longer be used."


__all__ = ["Conflict", "Gone", "InviteGone", "NotAllowed", "NotFound", "RoleRequired"]
