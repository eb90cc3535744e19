"""Every change writes one audit entry in the same transaction as the change."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from marketplace.audit.models import AuditEntry
from marketplace.core import workflow
from marketplace.extensions import db


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return value.value  # enums
    return value


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def record(
    action: str,
    obj: Any = None,
    *,
    actor: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> AuditEntry:
    """Add an audit entry; the caller's transaction commits it with the change."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    if obj is not None:
        db.session.flush()  # so a new object has its id
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        ip=request.remote_addr if has_request_context() else None,
        action=action,
        object_type=object_type or "-",
        object_id=object_id,
        before=_plain(before) if before else None,
        after=_plain(after) if after else None,
    )
    db.session.add(entry)
    return entry


workflow.set_recorder(record)  # every status change is audited through core.workflow
