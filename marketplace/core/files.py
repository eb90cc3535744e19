"""Files on disk that follow the database transaction.

A request writes an upload before it commits, and removes a deleted attachment's file only
once the row is gone for good. Files therefore register with the session:
`remove_on_rollback(path)` for a file just written — removed again if the transaction ends
without committing (an exception, a refusal, a rollback, a session closed unfinished), so no
file is left without its row — and `remove_after_commit(path)` for a file whose row was
deleted — removed only when the commit succeeded, so a rolled-back deletion keeps its file.

Only the outermost transaction counts: a savepoint (`begin_nested`) rolled back on its own
does not remove the files written inside it.
"""
from __future__ import annotations

import contextlib
import os

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import db

_WRITTEN = "marketplace.files_written"   # removed if the transaction does not commit
_DELETED = "marketplace.files_deleted"   # removed once the transaction commits


def _register(key: str, path: str) -> None:
    session = db.session()
    if not session.in_transaction():
        # Tie the file to a transaction even if nothing has touched the database yet.
        session.begin()
    session.info.setdefault(key, []).append(path)


def remove_on_rollback(path: str) -> None:
    """The file at `path` was just written for rows of this transaction: remove it unless the
    transaction commits."""
    _register(_WRITTEN, path)


def remove_after_commit(path: str) -> None:
    """The row owning the file at `path` was deleted: remove the file once that is committed."""
    _register(_DELETED, path)


def _remove(paths: list[str]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            os.remove(path)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    session.info.pop(_WRITTEN, None)
    _remove(session.info.pop(_DELETED, []))


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    # A committed transaction has emptied both lists already (after_commit runs first).
    session.info.pop(_DELETED, None)
    _remove(session.info.pop(_WRITTEN, []))


def upload_folder(name: str) -> str:
    """UPLOAD_FOLDER/<name>, made when first needed (uploads live outside static/)."""
    path = os.path.join(current_app.config["UPLOAD_FOLDER"], name)
    os.makedirs(path, exist_ok=True)
    return path
