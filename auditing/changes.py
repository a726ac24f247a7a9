"""Turning model instances into audit snapshots and diffs, with secrets masked.

Which models are audited and which fields are secret is decided here, once, from the app
registry: a model added later is audited from the moment it exists.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile

MASK = "********"

# Models never audited per row: the audit trail itself, per-request telemetry (recorded per
# batch instead), framework bookkeeping that churns on every login or migrate.
# `AUDIT_EXCLUDE_MODELS` in settings adds to this list.
EXCLUDED_MODELS = frozenset(
    {
        "auditing.auditlog",
        "auditing.sessionactivity",
        "auditing.sessionanalytics",
        "admin.logentry",
        "sessions.session",
        "contenttypes.contenttype",
        "auth.permission",
        "usersessions.usersession",
    }
)

# Any field whose name matches is a secret wherever it appears, also as a key inside JSON.
SECRET_NAME = re.compile(r"token|secret|password|key_hash|private_key|api_key|otp", re.IGNORECASE)

# Secrets whose names don't give them away.
SECRET_FIELDS = {
    "mfa.authenticator": {"data"},
    "socialaccount.socialtoken": {"token", "token_secret"},
    "socialaccount.socialapp": {"secret"},
}

# Bookkeeping fields: a save that changes only these is not worth an audit row.
NOISE_FIELDS = frozenset({"last_login"})


def excluded_models() -> frozenset[str]:
    return EXCLUDED_MODELS | {label.lower() for label in settings.AUDIT_EXCLUDE_MODELS}


def audited_models() -> list[type[models.Model]]:
    """Every installed model (proxies included: they send their own signals) not opted out."""
    skip = excluded_models()
    return [
        model
        for model in apps.get_models()
        if model._meta.label_lower not in skip
        and model._meta.concrete_model._meta.label_lower not in skip
    ]


def entity_type_of(model: type[models.Model]) -> str:
    # Proxies share their concrete model's history.
    return model._meta.concrete_model._meta.label_lower


class ModelSpec:
    """What the receivers need to know about one model, computed once."""

    def __init__(self, model: type[models.Model]):
        concrete = model._meta.concrete_model
        self.entity_type = entity_type_of(model)
        known = SECRET_FIELDS.get(self.entity_type, set())
        self.fields = list(concrete._meta.concrete_fields)
        self.secret = {
            f.name
            for f in self.fields
            if f.name in known
            or SECRET_NAME.search(f.name)
            or type(f).__name__.startswith("Encrypted")
        }
        # auto_now timestamps change on every save and the audit row has its own time.
        self.auto_now = {f.name for f in self.fields if getattr(f, "auto_now", False)}
        self.noise = NOISE_FIELDS & {f.name for f in self.fields}


@cache
def spec_for(model: type[models.Model]) -> ModelSpec:
    return ModelSpec(model)


def jsonable(value: Any) -> Any:
    """A JSON-safe form of a field value, masking secret keys inside JSON documents."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dict):
        return {
            str(k): (MASK if SECRET_NAME.search(str(k)) else jsonable(v)) for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>"
    try:
        return DjangoJSONEncoder().default(value)
    except TypeError:
        return str(value)


def _comparable(field: models.Field, value: Any) -> Any:
    # An instance may hold what was assigned (a string for a date, 1.5 for a Decimal); the
    # database hands back the parsed type. Parse both so that equal values compare equal.
    if value is None or isinstance(field, models.JSONField | models.FileField):
        return value
    try:
        parsed = field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return value
    return parsed.normalize() if isinstance(parsed, Decimal) else parsed


def snapshot(instance: models.Model, names: set[str] | None = None) -> dict[str, Any]:
    """Loaded field values of `instance` (all, or `names`), secrets masked, JSON-safe."""
    spec = spec_for(type(instance))
    deferred = instance.get_deferred_fields()
    values = {}
    for field in spec.fields:
        if field.attname in deferred or (names is not None and field.name not in names):
            continue
        if field.name in spec.secret:
            values[field.name] = MASK if field.value_from_object(instance) else None
        else:
            values[field.name] = jsonable(field.value_from_object(instance))
    return values


def load_old_values(instance: models.Model, using: str, update_fields) -> dict[str, Any] | None:
    """The stored row behind `instance` (its loaded fields, or `update_fields`), one SELECT."""
    spec = spec_for(type(instance))
    deferred = instance.get_deferred_fields()
    fields = [
        f
        for f in spec.fields
        if f.attname not in deferred
        and (update_fields is None or f.name in update_fields or f.attname in update_fields)
    ]
    if not fields:
        return None
    concrete = type(instance)._meta.concrete_model
    row = (
        concrete._base_manager.using(using)
        .filter(pk=instance.pk)
        .values(*[f.attname for f in fields])
        .first()
    )
    if row is None:
        return None
    return {f.name: row[f.attname] for f in fields}


def diff(instance: models.Model, old: dict[str, Any]) -> tuple[dict, dict]:
    """(old_values, new_values) for the fields that changed, secrets masked."""
    spec = spec_for(type(instance))
    by_name = {f.name: f for f in spec.fields}
    before, after = {}, {}
    for name, old_value in old.items():
        if name in spec.auto_now:
            continue
        field = by_name[name]
        new_value = field.value_from_object(instance)
        if _comparable(field, old_value) == _comparable(field, new_value):
            continue
        if name in spec.secret:
            before[name] = MASK if old_value else None
            after[name] = MASK if new_value else None
        else:
            before[name] = jsonable(old_value)
            after[name] = jsonable(new_value)
    if set(after) <= spec.noise:
        return {}, {}
    return before, after
