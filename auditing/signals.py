"""Receivers that write one audit row per change, in the transaction of the change.

Connected at ready() to every model the app registry knows except the opt-out list in
`auditing.changes`, so no app registers anything and a new model is audited at once.

How an update's "before" is found: `pre_save` reads the stored row with one primary-key
SELECT (only the fields being saved). The alternative, a `post_init` snapshot of every
loaded instance, would tax every list endpoint for the few instances that get saved; a
SELECT by primary key per update is the cheaper trade (see bench/audit_overhead.py).
"""

from __future__ import annotations

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from auditing import changes
from auditing.services import _stamp

_OLD = "_audit_old_values"
_CLEARED = "_audit_cleared_pks"


def _write(*, using: str, entity_id: str, **fields) -> None:
    _stamp(entity_id=entity_id[:64], **fields).save(using=using, force_insert=True)


def on_pre_save(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    if instance._state.adding or instance.pk is None:
        return
    instance.__dict__[_OLD] = changes.load_old_values(instance, using, update_fields)


def on_post_save(sender, instance, created, raw=False, using=None, update_fields=None, **kwargs):
    old = instance.__dict__.pop(_OLD, None)
    entity_type = changes.entity_type_of(sender)
    if created:
        _write(
            using=using,
            action="create",
            entity_type=entity_type,
            entity_id=str(instance.pk),
            new_values=changes.snapshot(instance),
            metadata={"raw": True} if raw else {},
        )
        return
    if old is None:
        return
    before, after = changes.diff(instance, old)
    if not after:
        return
    _write(
        using=using,
        action="update",
        entity_type=entity_type,
        entity_id=str(instance.pk),
        old_values=before,
        new_values=after,
    )


def on_post_delete(sender, instance, using=None, origin=None, **kwargs):
    metadata = {}
    if origin is not None and origin is not instance and isinstance(origin, models.Model):
        # Removed by a cascade: say what was deleted to cause it.
        metadata = {"cascade_from": f"{changes.entity_type_of(type(origin))}:{origin.pk}"}
    _write(
        using=using,
        action="delete",
        entity_type=changes.entity_type_of(sender),
        entity_id=str(instance.pk),
        old_values=changes.snapshot(instance),
        metadata=metadata,
    )


def _relation(instance, through) -> tuple[str, str]:
    """(name recorded, manager attribute) of the m2m relation of `instance` through `through`."""
    for field in type(instance)._meta.get_fields():
        if isinstance(field, models.ManyToManyField) and field.remote_field.through is through:
            return field.name, field.name
        if isinstance(field, models.ManyToManyRel) and field.through is through:
            return field.name, field.get_accessor_name()
    return through._meta.label_lower, ""


def on_m2m_changed(sender, instance, action, reverse, model, pk_set, using=None, **kwargs):
    name, accessor = _relation(instance, sender)
    if action == "pre_clear":
        # Which rows a clear removes is only knowable before it happens.
        if accessor:
            related = getattr(instance, accessor).using(using).values_list("pk", flat=True)
            instance.__dict__[_CLEARED] = sorted(str(pk) for pk in related)
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if action == "post_clear":
        pks = instance.__dict__.pop(_CLEARED, [])
    else:
        pks = sorted(str(pk) for pk in pk_set or ())
    if not pks:
        return
    kind = action.removeprefix("post_")
    _write(
        using=using,
        action=f"m2m_{kind}",
        entity_type=changes.entity_type_of(type(instance)),
        entity_id=str(instance.pk),
        old_values={name: pks} if kind != "add" else None,
        new_values={name: pks} if kind == "add" else None,
        metadata={"related": changes.entity_type_of(model), "relation": name},
    )


def connect_all() -> None:
    """Connect the receivers to every audited model and to their many-to-many tables."""
    for model in changes.audited_models():
        uid = f"auditing:{model._meta.label_lower}"
        pre_save.connect(on_pre_save, sender=model, dispatch_uid=uid)
        post_save.connect(on_post_save, sender=model, dispatch_uid=uid)
        post_delete.connect(on_post_delete, sender=model, dispatch_uid=uid)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if isinstance(through, type):
                m2m_changed.connect(
                    on_m2m_changed,
                    sender=through,
                    dispatch_uid=f"auditing:m2m:{through._meta.label_lower}",
                )
