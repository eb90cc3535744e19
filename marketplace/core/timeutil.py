"""Time: stored as naive UTC in the database, shown and compared in Asia/Shanghai."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

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
