"""Who a service acts for, when it is not a person using their own rights.

Services that authorize take `acting_user`: a user whose roles are checked, or `SYSTEM`
for staff in the admin, management commands and jobs, which act beyond any team role. The
audit trail still records the person (the admin's request context); `SYSTEM` only says that
no role check applies. It is never `None`, so a forgotten argument is an error, not a
bypass.
"""

from typing import Final


class SystemActor:
    """The actor of the staff console, commands and jobs: authorized for every change."""

    _instance: "SystemActor | None" = None

    def __new__(cls) -> "SystemActor":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SYSTEM"

    def __reduce__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = SystemActor()
