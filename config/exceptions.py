"""DRF's exception handler, with the exceptions views and services raise in their own terms
given the API's shapes: model validation is a 400 naming fields, a row that vanished
mid-request is a 404, and a 400 body is always an object (or, for an array body, an array
of objects, one per item)."""

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                (
                    api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
                ): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ObjectDoesNotExist):
        # Found by the view, then deleted by a concurrent request before the service locked it.
        exc = exceptions.NotFound()
    elif (
        isinstance(exc, exceptions.ValidationError)
        and isinstance(exc.detail, list)
        and not all(isinstance(item, dict) for item in exc.detail)
    ):
        # Plain messages (DRF's SearchFilter refusing a NUL, say) get the object shape.
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.detail})
    return drf_exception_handler(exc, context)
