"""DRF's exception handler, with the exceptions views and services raise in their own terms
given the API's shapes: a domain error (core.errors) is its status code with `detail`,
model validation is a 400 naming fields, a row that vanished mid-request is a 404, and a 400
body is always an object (or, for an array body, an array of objects, one per item)."""

from typing import TYPE_CHECKING

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections, transaction
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.viewsets import GenericViewSet

from core.errors import DomainError

if TYPE_CHECKING:
    _ViewSet = GenericViewSet
else:
    _ViewSet = object


class DomainAPIException(exceptions.APIException):
    """A domain error in DRF's terms: its status, message and code."""

    def __init__(self, error: DomainError) -> None:
        self.status_code = error.status_code
        super().__init__(error.message, error.code)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        exc = DomainAPIException(exc)
    elif isinstance(exc, DjangoValidationError):
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


class NonAtomicActionsMixin(_ViewSet):
    """For a viewset: the actions named in `non_atomic_actions` run outside the request's
    transaction (ATOMIC_REQUESTS), for services that manage their own transactions.

    DRF's exception handler marks the innermost atomic block for rollback, taking it for the
    request's. Around such an action that block, if any, is a caller's (a test's, say), and
    an error answer must not doom it, so these actions keep the block's rollback mark as it
    was.
    """

    non_atomic_actions: frozenset[str] = frozenset()

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        view = super().as_view(actions, **initkwargs)
        if actions and set(actions.values()) <= cls.non_atomic_actions:
            view = transaction.non_atomic_requests(view)
        return view

    def get_exception_handler(self):
        handler = super().get_exception_handler()
        if self.action not in self.non_atomic_actions:
            return handler

        def keep_rollback_mark(exc, context):
            marks = [
                (db, db.get_rollback())
                for db in connections.all(initialized_only=True)
                if db.in_atomic_block
            ]
            response = handler(exc, context)
            for db, mark in marks:
                db.set_rollback(mark)
            return response

        return keep_rollback_mark
