"""The review blueprint, defined once, and what its pages share; its routes live in the
*_views.py modules beside it, which views.py brings together."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from marketplace.core.policy import visible_or_404
from marketplace.extensions import db
from marketplace.review import policy
from marketplace.rounds.models import Round

bp = Blueprint("review", __name__)


def organizer_row(model, row_id: int, round_id=lambda row: row.round_id):
    """A row (application, assignment, review, objection) of a round whose review the page
    manages; 404 when there is no such row or the user may not manage its round."""
    row = db.session.get(model, row_id)
    visible_or_404(row is not None)
    organizer_round(round_id(row))
    return row


def organizer_round(round_id: int) -> Round:
    """The round whose review the page manages; 404 for anyone who may not manage it."""
    round_ = db.session.get(Round, round_id)
    visible_or_404(round_ is not None and policy.can_manage_review(current_user, round_))
    return round_
