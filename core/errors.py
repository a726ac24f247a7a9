"""The errors services and selectors raise when a request cannot be carried out.

They speak the domain's language, not HTTP's: the API's exception handler
(core.exceptions) gives each its status code, and the admin (core.admin) shows it as a
message. Field-level input errors stay Django's `ValidationError`, which both already
understand.
"""

from typing import ClassVar


class DomainError(Exception):
    """Base of the family: a message for people and a short machine-readable code."""

    status_code: ClassVar[int] = 400
    default_message: ClassVar[str] = "The request could not be carried out."
    default_code: ClassVar[str] = "invalid"

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        super().__init__(self.message)


class Invalid(DomainError):
    """The request as a whole makes no sense (not tied to one field)."""


class NotFound(DomainError):
    """The object does not exist, or is not the acting user's to see."""

    status_code = 404
    default_message = "Not found."
    default_code = "not_found"


class NotAllowed(DomainError):
    """The acting user may see the object but not do this to it."""

    status_code = 403
    default_message = "You do not have permission to perform this action."
    default_code = "permission_denied"


class Conflict(DomainError):
    """The request is valid, but the object's current state forbids it."""

    status_code = 409
    default_message = "This change conflicts with the current state."
    default_code = "conflict"


class Gone(DomainError):
    """The object existed but can no longer be used (an expired or spent token or invite)."""

    status_code = 410
    default_message = "This can no longer be used."
    default_code = "gone"
