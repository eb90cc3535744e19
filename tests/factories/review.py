"""Review factories: reviewers, organizers, rounds in review, assignments, reviews (the
application factory is tests/factories/applications.py)."""
from __future__ import annotations

import itertools
from datetime import timedelta

from marketplace.accounts.models import Role
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.review import reviewing, rules
from marketplace.review.models import ReviewAssignment
from marketplace.rounds.models import RoundStatus
from tests.factories.accounts import make_user
from tests.factories.rounds import make_round

__all__ = ["make_assignment", "make_organizer", "make_review_round",
           "make_reviewer", "make_submitted_review"]

_seq = itertools.count(1)


def make_organizer(**kw):
    return make_user(roles=[Role.ORGANIZER], name=kw.pop("name", "团市委 工作人员"), **kw)


def make_reviewer(**kw):
    return make_user(roles=[Role.REVIEWER], name=kw.pop("name", f"评审专家{next(_seq)}"), **kw)


def make_review_round(**overrides):
    """A round in review (deadline passed) with a general pool of 500,000 yuan and, as
    start_review leaves a round, its default rubric stored."""
    now = utcnow().replace(microsecond=0)
    fields = dict(status=RoundStatus.REVIEWING, opens_at=now - timedelta(days=30),
                  deadline_at=now - timedelta(days=1),
                  tranche_template=[{"label": "立项拨付", "percent": 50, "gate": "on_award"},
                                    {"label": "中期拨付", "percent": 30, "gate": "after_report"},
                                    {"label": "结项拨付", "percent": 20,
                                     "gate": "after_acceptance"}])
    fields.update(overrides)
    round_ = make_round(**fields)
    rules.stored_round_rubric(round_)
    if fields.get("commit", True):
        db.session.commit()
    return round_


def make_assignment(application, reviewer, *, commit: bool = True) -> ReviewAssignment:
    assignment = ReviewAssignment(round_id=application.round_id, application_id=application.id,
                                  reviewer_id=reviewer.id)
    db.session.add(assignment)
    db.session.flush()
    if commit:
        db.session.commit()
    return assignment


def make_submitted_review(application, reviewer, scores: list, comment: str = "总体评价"):
    """Assign (if needed) and submit a review with the given per-criterion scores."""
    assignment = db.session.query(ReviewAssignment).filter_by(
        application_id=application.id, reviewer_id=reviewer.id).one_or_none()
    if assignment is None:
        assignment = make_assignment(application, reviewer, commit=False)
    data = [reviewing.ScoreData(c.id, str(v), "") for c, v in
            zip(rules.stored_rubric_for(application).criteria, scores, strict=True)]
    review = reviewing.save_review(reviewer, assignment, data, comment, submit=True)
    db.session.commit()
    return review
