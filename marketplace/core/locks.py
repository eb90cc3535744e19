"""Locks held to the end of the transaction: row locks (`lock_rows`) and named locks
(`named_lock`, for work that has no row to lock yet, such as an import that may create the
round it would otherwise lock). The only place that knows how each database locks.

A lock belongs to the session's transaction: it is taken on the session's connection and
released by its commit or rollback, never explicitly, so a request cannot leave it behind.

- PostgreSQL locks rows (`SELECT … FOR NO KEY UPDATE`) and names (transaction-scoped
  advisory locks). Read committed: every statement after the lock sees what the previous
  holder committed.
- SQLite has one lock for the whole database. Both helpers take its write lock, which
  serialises every writer: stricter than a row lock, never looser.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from marketplace.extensions import db


def lock_key(name: str) -> int:
    """A signed 64-bit number for `name`, the same in every process and on every run
    (Python's hash() of a str changes from process to process)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _sqlite_write_lock(connection: Connection) -> None:
    # Waits up to the busy timeout. The driver opens a transaction only at the first write,
    # which takes the write lock, so an open transaction already holds it; otherwise open
    # one that takes it now. Unlike a no-op UPDATE, this needs no row and touches no column
    # (an `onupdate` timestamp stays as it is).
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_rows(model: type, ids: Iterable[int | None]) -> None:
    """Lock the rows of `model` with these ids (None ignored) until this transaction ends,
    waiting for any transaction that holds one of them.

    PostgreSQL: one `SELECT … ORDER BY id FOR NO KEY UPDATE`; the rows are locked in
    ascending id order, so two lockers of overlapping rows wait for each other instead of
    deadlocking. NO KEY UPDATE serialises changes that depend on the row without blocking
    inserts of rows that merely reference it (foreign keys take KEY SHARE locks).

    Locking does not re-read: objects already loaded keep what they held before, so refresh
    what the decision depends on after the lock. Several kinds of rows are locked in one
    fixed order everywhere (e.g. `funds.services.lock_in_order`)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        db.session.execute(select(model.id).where(model.id.in_(wanted)).order_by(model.id)
                           .with_for_update(key_share=True))
        return
    if connection.dialect.name == "sqlite":
        _sqlite_write_lock(connection)
        return
    raise NotImplementedError(f"lock_rows: no lock for {connection.dialect.name}")


def named_lock(name: str) -> None:
    """Wait until no other transaction holds the lock `name`, then hold it until this
    transaction ends. Take it before reading what the protected work depends on: what is
    read afterwards includes everything the previous holder committed."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
        return
    if connection.dialect.name == "sqlite":
        _sqlite_write_lock(connection)
        return
    raise NotImplementedError(f"named_lock: no lock for {connection.dialect.name}")
