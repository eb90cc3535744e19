"""View helpers shared by every domain: one service call as the request's change, and the
status of a page that shows a form.

Nothing here commits: the request is committed or rolled back once, after the view has
answered (core/unit_of_work.py).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import flash, request
from flask_wtf import FlaskForm

from marketplace.core.forms import apply_refusal
from marketplace.core.policy import NotAllowed
from marketplace.core.unit_of_work import SAFE_METHODS
from marketplace.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a change gave; truthy when it happened, else it carries the refusal."""

    ok: bool
    value: T | None = None
    refusal: NotAllowed | None = None

    def __bool__(self) -> bool:
        return self.ok


def attempt(change: Callable[[], T]) -> Outcome[T]:
    """Run one service call; on a refusal roll back what it began and hand the refusal to the
    view, for a page that shows it its own way (a score form marks the field, a submission
    lists every problem). Most views want `perform`."""
    try:
        return Outcome(True, change())
    except NotAllowed as refusal:
        # The view may still answer a redirect, which commits: nothing of the refused call
        # may be in it.
        db.session.rollback()
        return Outcome(False, refusal=refusal)


def perform(change: Callable[[], T], success: str | Callable[[T], str] | None,
            form: FlaskForm | None = None) -> Outcome[T]:
    """Run one service call as the request's change.

    Confirmed with `success` (a message, a function of the call's result, or None when the
    page that follows says it), or rolled back with the refusal shown — next to its field when
    a `form` is given, so the form re-renders with what was typed (answer it with
    `form_status()`). The commit comes after the view has answered (core/unit_of_work.py).
    """
    outcome = attempt(change)
    if not outcome:
        show_refusal(outcome.refusal, form)
        return outcome
    if success is not None:
        message: Any = success(outcome.value) if callable(success) else success
        flash(message, "success")
    return outcome


def show_refusal(refusal: NotAllowed, form: FlaskForm | None = None) -> None:
    """Every problem of a refusal (one, or the list a refusal such as a refused submission
    carries in `problems`): next to its field when the form has it, else as a message."""
    for problem in getattr(refusal, "problems", None) or [refusal]:
        if form is not None:
            apply_refusal(form, problem)
        else:
            flash(problem.reason, "danger")


def form_status() -> int:
    """The status of a page showing a form: 200, or 422 when it shows the form again after a
    POST that its validators or the service refused — so the request rolls back whatever the
    refused attempt began."""
    return 200 if request.method in SAFE_METHODS else 422
