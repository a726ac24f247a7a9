"""The staff console's side of the services rule: every save and delete in the admin goes
through the same service the API calls, and domain errors become admin messages.

An app's ModelAdmin either derives from `ServiceAdmin` and names its services, or is
read-only (no add, change or delete permission). tests/test_architecture.py walks the admin
registry and holds every registered admin to this.
"""

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect

from core.errors import DomainError


def error_text(error: Exception) -> str:
    """A domain or validation error as one line for a person."""
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


@contextlib.contextmanager
def errors_as_messages(modeladmin: admin.ModelAdmin, request, prefix: str = "") -> Iterator[None]:
    """Show a domain or validation error raised in the block as an error message."""
    try:
        yield
    except (DomainError, ValidationError) as error:
        text = error_text(error)
        modeladmin.message_user(request, f"{prefix}{text}" if prefix else text, messages.ERROR)


def run_for_each(
    modeladmin: admin.ModelAdmin,
    request,
    objects,
    service: Callable[[Any], Any],
    verb: str | None,
) -> int:
    """An admin action's loop: call `service` on each object, report each refusal by the
    object's name and, with a `verb`, how many succeeded. Returns the number done."""
    done = 0
    for obj in objects:
        try:
            service(obj)
        except (DomainError, ValidationError) as error:
            modeladmin.message_user(request, f"{obj}: {error_text(error)}", messages.ERROR)
        else:
            done += 1
    if done and verb:
        modeladmin.message_user(request, f"{done} {verb}.", messages.SUCCESS)
    return done


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes are the app's services.

    Subclasses set the hooks they support; an operation without its hook is not permitted
    (no add button, no delete button, read-only form):

    - `service_create(request, obj, form)` returns the created instance (`obj` holds the
      form's values, unsaved);
    - `service_update(request, obj, data)` gets the row as stored and the changed values,
      and may return the instance it saved;
    - `service_delete(request, obj)`.

    A domain or validation error from a service is shown as a message and nothing is saved.
    """

    service_create: ClassVar[Callable[..., models.Model] | None] = None
    service_update: ClassVar[Callable[..., Any] | None] = None
    service_delete: ClassVar[Callable[..., Any] | None] = None

    def _hook(self, name: str) -> Callable[..., Any] | None:
        hook = getattr(type(self), name, None)
        return None if hook is None else getattr(self, name)

    def has_add_permission(self, request) -> bool:
        return self._hook("service_create") is not None and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._hook("service_update") is not None and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._hook("service_delete") is not None and super().has_delete_permission(
            request, obj
        )

    def save_model(self, request, obj, form, change) -> None:
        if change:
            stored = type(obj)._default_manager.get(pk=obj.pk)
            fields = {f.name for f in obj._meta.concrete_fields}
            data = {name: form.cleaned_data[name] for name in form.changed_data if name in fields}
            updated = self.service_update(request, stored, data)  # type: ignore[misc]
            # The row as saved (a service that re-reads it under a lock returns its copy).
            saved = updated if isinstance(updated, models.Model) else stored
            for name in data:
                setattr(obj, name, getattr(saved, name))
        else:
            created = self.service_create(request, obj, form)  # type: ignore[misc]
            obj.pk = created.pk
            obj._state.adding = False
            obj._state.db = created._state.db

    def delete_model(self, request, obj) -> None:
        self.service_delete(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request, queryset) -> None:
        # Each refusal is reported by the object's name; the others go ahead (Django's
        # delete action reports the count).
        run_for_each(
            self,
            request,
            queryset,
            lambda obj: self.service_delete(request, obj),  # type: ignore[misc]
            None,
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (DomainError, ValidationError) as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (DomainError, ValidationError) as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyInlineMixin:
    """An inline that only shows rows; they change on their own admin pages or through
    actions, that is through the services."""

    extra = 0
    max_num: int | None = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyInlineMixin, admin.TabularInline):
    pass


class ReadOnlyAdmin(admin.ModelAdmin):
    """Pages that only show rows. Whatever changes does so through admin actions calling
    the services, open to staff who may change the model (the actions' `manage`
    permission)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_manage_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")
