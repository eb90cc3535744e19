"""Column helpers shared by every domain's models."""
from __future__ import annotations

import enum

from sqlalchemy import Enum


def enum_column(cls: type[enum.Enum], length: int = 20) -> Enum:
    """Enums stored as their string values (portable, readable in SQL, no native types)."""
    return Enum(cls, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e])
