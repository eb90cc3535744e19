"""View helpers shared by every domain."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import flash
from flask_wtf import FlaskForm

from marketplace.core.forms import apply_refusal
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a performed change gave; truthy when it happened."""

    ok: bool
    value: T | None = None

    def __bool__(self) -> bool:
        return self.ok


def perform(change: Callable[[], T], success: str | Callable[[T], str],
            form: FlaskForm | None = None) -> Outcome[T]:
    """Run one service call as the request's whole change.

    Committed and confirmed with `success` (a message, or a function of the call's result),
    or rolled back with the refusal shown — next to its field when a `form` is given, so the
    form re-renders with what was typed. The request is all or nothing.
    """
    try:
        value = change()
    except NotAllowed as refusal:
        db.session.rollback()
        if form is not None:
            apply_refusal(form, refusal)
        else:
            flash(refusal.reason, "danger")
        return Outcome(False)
    db.session.commit()
    message: Any = success(value) if callable(success) else success
    flash(message, "success")
    return Outcome(True, value)
