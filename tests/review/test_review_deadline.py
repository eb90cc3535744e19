"""Reviewers work until the round's review deadline; the organizer can set or extend it."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db
from marketplace.review import assigning, reviewing, rules
from tests.factories import (
    make_application,
    make_assignment,
    make_organizer,
    make_review_round,
    make_reviewer,
)


def _draft(application, reviewer):
    assignment = make_assignment(application, reviewer)
    data = [reviewing.ScoreData(c.id, "10", "")
            for c in rules.stored_rubric_for(application).criteria]
    return assignment, data


def test_scores_cannot_be_saved_after_the_review_deadline(app):
    round_ = make_review_round(review_ends_at=utcnow() - timedelta(seconds=1))
    reviewer = make_reviewer()
    assignment, data = _draft(make_application(round_), reviewer)
    with pytest.raises(NotAllowed, match="截止"):
        reviewing.save_review(reviewer, assignment, data, "评价")


def test_scores_can_be_saved_until_the_deadline(app):
    round_ = make_review_round(review_ends_at=utcnow() + timedelta(minutes=5))
    reviewer = make_reviewer()
    assignment, data = _draft(make_application(round_), reviewer)
    review = reviewing.save_review(reviewer, assignment, data, "评价")
    assert review.scores


def test_organizer_extends_the_deadline_and_it_is_audited(app, login_as):
    round_ = make_review_round(review_ends_at=utcnow() - timedelta(hours=1))
    organizer = make_organizer()
    later = (to_local(utcnow()) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = login_as(organizer).post(f"/review/rounds/{round_.id}/deadline",
                                        data={"review_ends_at": later})
    assert response.status_code == 302
    db.session.refresh(round_)
    assert not assigning.review_closed(round_)
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "review.set_deadline"))
    assert entry.actor_id == organizer.id


def test_review_deadline_must_follow_the_application_deadline(app):
    round_ = make_review_round()
    with pytest.raises(NotAllowed):
        assigning.set_review_deadline(make_organizer(), round_, round_.deadline_at)


def test_reviewers_cannot_change_the_deadline(app, login_as):
    round_ = make_review_round()
    response = login_as(make_reviewer()).post(f"/review/rounds/{round_.id}/deadline",
                                              data={"review_ends_at": "2030-01-01T09:00"})
    assert response.status_code == 404
