"""The one way services change fields of an existing row, and validate a new one.

`update_fields` sets the values that differ, validates just those fields (their own
validators, the model's `clean()`, and the unique checks and constraints that involve
them) and saves only them, with `updated_at` when the model has it. Fields not being
changed are not checked again: their values were valid when saved, and re-checking a
foreign key costs a query each, on rows the service may have just locked.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models


def _field_names(instance: models.Model) -> list[str]:
    return [f.name for f in instance._meta.concrete_fields]


def validate_fields(
    instance: models.Model,
    names: Iterable[str],
    *,
    validate_unique: bool = True,
    validate_constraints: bool = True,
) -> None:
    """Run `full_clean` on the named fields only (the model's `clean()` always runs)."""
    names = set(names)
    instance.full_clean(
        exclude=[name for name in _field_names(instance) if name not in names],
        validate_unique=validate_unique,
        validate_constraints=validate_constraints,
    )


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
