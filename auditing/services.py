"""Writing audit rows. Receivers use these for per-object changes; services call
`record_bulk` for paths that bypass signals and `record_event` for named domain events."""

from collections.abc import Iterable
from typing import Any

from django.db import models

from auditing.context import get_context
from auditing.models import AuditLog

# Ids listed in a batch row; the count is always exact.
BULK_IDS_LIMIT = 100


def _stamp(**fields: Any) -> AuditLog:
    context = get_context()
    actor = context.actor
    return AuditLog(
        user_id=getattr(actor, "pk", None),
        actor_label=(actor.get_username() if actor is not None else "")[:255],
        api_key_id=context.api_key_id,
        ip_address=context.ip_address,
        user_agent=context.user_agent[:1000],
        request_id=context.request_id,
        source=context.source,
        **fields,
    )


def entity_type_of(model: type[models.Model]) -> str:
    return model._meta.label_lower


def record_event(
    *,
    action: str,
    instance: models.Model | None = None,
    entity_type: str = "",
    entity_id: str = "",
    metadata: dict[str, Any] | None = None,
) -> AuditLog:
    """Record a named domain event (`login`, `invite_accepted`, ...) in the audit log."""
    if instance is not None:
        entity_type, entity_id = entity_type_of(type(instance)), str(instance.pk)
    row = _stamp(
        action=action, entity_type=entity_type, entity_id=entity_id, metadata=metadata or {}
    )
    row.save(force_insert=True)
    return row


def record_bulk(
    *,
    model: type[models.Model],
    action: str,
    ids: Iterable[Any] = (),
    count: int | None = None,
    metadata: dict[str, Any] | None = None,
) -> AuditLog:
    """One summary row for a batch written with bulk_create / update() / delete().

    `action` is create, update or delete; the row's action is `bulk_<action>`.
    """
    ids = [str(pk) for pk in ids]
    summary = {"count": count if count is not None else len(ids), "ids": ids[:BULK_IDS_LIMIT]}
    row = _stamp(
        action=f"bulk_{action}",
        entity_type=entity_type_of(model),
        entity_id="",
        metadata=summary | (metadata or {}),
    )
    row.save(force_insert=True)
    return row
