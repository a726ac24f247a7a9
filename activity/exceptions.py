"""Domain refusals raised by services; they carry their HTTP status for the API."""

from rest_framework import exceptions, status


class TrackingRefused(exceptions.PermissionDenied):
    default_detail = "Tracking is off or incognito mode is on in your settings."
    default_code = "tracking_refused"


class IllegalTransition(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This action is not allowed in the current state."
    default_code = "illegal_transition"
