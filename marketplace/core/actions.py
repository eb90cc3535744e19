"""View helpers shared by every domain."""
from __future__ import annotations

from collections.abc import Callable

from flask import flash

from marketplace.core.policy import NotAllowed
from marketplace.extensions import db


def perform(change: Callable[[], object], success: str) -> bool:
    """Run one service call as the request's whole change.

    Committed and confirmed with `success`, or rolled back with the refusal shown: the
    request is all or nothing. Returns whether the change happened.
    """
    try:
        change()
    except NotAllowed as refusal:
        db.session.rollback()
        flash(refusal.reason, "danger")
        return False
    db.session.commit()
    flash(success, "success")
    return True
