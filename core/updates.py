"""The one way services change fields of an existing row, and validate a new one.

`update_fields` sets the values that differ, validates just those fields (their own
validators, the model's `clean()`, and every unique check and constraint they take part
in) and saves only them, with `updated_at` when the model has it. Fields not being changed
are not checked again on their own: their values were valid when saved, and re-checking a
foreign key costs a query each, on rows the service may have just locked.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


def _field_names(instance: models.Model) -> list[str]:
    return [f.name for f in instance._meta.concrete_fields]


def _fields_of(constraint: Any) -> set[str]:
    """The fields a unique or check constraint reads."""
    fields = set(getattr(constraint, "fields", ()) or ())
    condition = getattr(constraint, "condition", None)
    if isinstance(condition, Q):
        fields |= set(condition.referenced_base_fields)
    return fields


def _reach(instance: models.Model, names: set[str]) -> set[str]:
    """`names` and every field that shares a unique check or constraint with one of them.

    Django skips a constraint when any field it reads is excluded from validation, so a
    change to `end_time` alone would skip "end after start". The constraints a changed
    field takes part in are checked whole, with the stored values of their other fields.
    """
    meta = instance._meta
    groups = [set(group) for group in meta.unique_together]
    groups += [_fields_of(constraint) for constraint in meta.constraints]
    reach = set(names)
    for group in groups:
        if group & names:
            reach |= group
    return reach


def validate_fields(
    instance: models.Model,
    names: Iterable[str],
    *,
    validate_unique: bool = True,
    validate_constraints: bool = True,
) -> None:
    """Validate the named fields: their own validators, the model's `clean()`, and the unique
    checks and constraints they take part in. Raises one ValidationError with every error,
    as `full_clean` does."""
    names = set(names)
    every = _field_names(instance)
    reach = _reach(instance, names)
    errors: dict[str, Any] = {}
    try:
        instance.clean_fields(exclude=[name for name in every if name not in names])
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    # Fields already in error are not checked again against the database.
    others = {name for name in every if name not in reach} | (set(errors) & set(every))
    if validate_unique:
        try:
            instance.validate_unique(exclude=others)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if validate_constraints:
        try:
            instance.validate_constraints(exclude=others)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def update_fields(
    instance: models.Model,
    data: Mapping[str, Any],
    *,
    also: Iterable[str] = (),
    validate_unique: bool = True,
    validate_constraints: bool = True,
) -> list[str]:
    """Set the values in `data` that differ from `instance`'s, validate and save them.

    `also` names fields the caller has already set on the instance (derived values such as
    a duration or a timestamp) that must be validated and saved with them. Returns the names
    saved; an unchanged instance is not written at all and returns [].
    """
    changed = [name for name, value in data.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, data[name])
    changed += [name for name in also if name not in changed]
    if not changed:
        return []
    validate_fields(
        instance,
        changed,
        validate_unique=validate_unique,
        validate_constraints=validate_constraints,
    )
    if "updated_at" in _field_names(instance) and "updated_at" not in changed:
        changed.append("updated_at")
    instance.save(update_fields=changed)
    return changed
