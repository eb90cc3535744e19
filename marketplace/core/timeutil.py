"""Time: stored as naive UTC in the database, shown and compared in Asia/Shanghai."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Naive UTC, the form every DateTime column stores (SQLite has no time zones)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(SHANGHAI)


def local_to_utc(value: datetime) -> datetime:
    """A wall-clock time in Shanghai (as typed in a form) to naive UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(UTC).replace(tzinfo=None)


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as people here read it, in a message or a mail: Asia/Shanghai with its
    label ("2026-12-01 17:27（北京时间）"), never UTC. Empty for no time."""
    local = to_local(value)
    if local is None:
        return ""
    return str(_l("%(time)s（北京时间）", time=local.strftime(fmt)))
