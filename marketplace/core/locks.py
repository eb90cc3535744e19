"""Named locks: serialise work that has no row to lock yet (an import that may create the
round it would otherwise lock), across workers and processes.

The lock belongs to the session's transaction: it is taken on the session's connection and
released by its commit or rollback, never explicitly, so a request cannot leave it behind.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import text

from marketplace.extensions import db


def lock_key(name: str) -> int:
    """A signed 64-bit number for `name`, the same in every process and on every run
    (Python's hash() of a str changes from process to process)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def named_lock(name: str) -> None:
    """Wait until no other transaction holds the lock `name`, then hold it until this
    transaction ends. Take it before reading what the protected work depends on: what is
    read afterwards includes everything the previous holder committed."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # Read committed: every later statement sees what the previous holder committed.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
        return
    if connection.dialect.name == "sqlite":
        # SQLite has one lock for the whole database: hold its write lock, waiting up to the
        # busy timeout. The driver opens a transaction only at the first write, so an open
        # one already holds the write lock; otherwise open one that takes it now.
        driver = connection.connection.driver_connection
        if not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    raise NotImplementedError(f"named_lock: no lock for {connection.dialect.name}")
