"""Domain refusals raised by the activity services (core.errors gives them their status)."""

from core.errors import Conflict, NotAllowed


class TrackingRefused(NotAllowed):
    """The user's settings forbid recording this (tracking off, incognito, idle or
    screenshots off)."""

    default_message = "Tracking is off or incognito mode is on in your settings."
    default_code = "tracking_refused"


class IllegalTransition(Conflict):
    """The object's state does not allow this step (pausing a paused session, a second
    running timer)."""

    default_message = "This action is not allowed in the current state."
    default_code = "illegal_transition"
