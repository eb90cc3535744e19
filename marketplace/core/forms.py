"""Form helpers shared by every domain."""
from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from marketplace.core.policy import NotAllowed


def apply_refusal(form: FlaskForm, refusal: NotAllowed) -> None:
    """Show a service's refusal next to its field (or on top), keeping what was typed."""
    field = getattr(form, refusal.field, None) if refusal.field else None
    if field is not None:
        field.errors = [*field.errors, refusal.reason]
    else:
        flash(refusal.reason, "danger")
