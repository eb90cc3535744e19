"""Helpers for migration tests: rows inserted as an earlier revision's schema has them."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa


def _filler(column: sa.Column, day: date):
    if isinstance(column.type, sa.JSON):
        return []
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = str
    return {int: 0, bool: False, str: "", Decimal: 0,
            datetime: datetime(day.year, day.month, day.day), date: day}[kind]


def insert_row(conn, table_name: str, *, day: date = date(2026, 1, 1), **values) -> int:
    """A row as the schema of the revision the database is at has it: required columns not
    given get a plain value (`day` for dates), so a test does not depend on later models."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    for column in table.columns:
        if column.name not in values and not column.nullable and not column.primary_key:
            values[column.name] = _filler(column, day)
    return conn.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()
