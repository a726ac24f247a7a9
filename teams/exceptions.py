"""Errors the teams services raise. They are DRF exceptions so the API turns them into the
contract's status codes; the admin catches them and shows the message."""

from rest_framework import exceptions, status


class Conflict(exceptions.APIException):
    """The request is valid but the current state forbids it (last owner, team full, ...)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This change conflicts with the current state."
    default_code = "conflict"


class Gone(exceptions.APIException):
    """The invite existed but can no longer be used (expired, accepted or revoked)."""

    status_code = status.HTTP_410_GONE
    default_detail = "This invite can no longer be used."
    default_code = "gone"


class NotAllowed(exceptions.PermissionDenied):
    """The acting user's role does not allow this."""
