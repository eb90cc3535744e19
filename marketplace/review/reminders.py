"""Reminders before the review deadline. `remind_reviewers` is what `flask review remind`
runs, and what a general reminder command (`flask reminders send`, a later issue) calls:
run it as often as you like, a reviewer hears about a round at most once a day."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.timeutil import to_local, utcnow
from marketplace.core.urls import mail_link
from marketplace.extensions import db
from marketplace.notify.services import queue_mail
from marketplace.review.models import AssignmentStatus, Review, ReviewAssignment, ReviewStatus
from marketplace.rounds.models import Round, RoundStatus

REMIND_BEFORE = timedelta(days=3)


def reminder_key(round_id: int, reviewer_id: int, now: datetime) -> str:
    """One reminder per round, reviewer and day (the day in Asia/Shanghai, as people count)."""
    return f"review/deadline_reminder:{round_id}:{reviewer_id}:{to_local(now):%Y-%m-%d}"


def remind_reviewers(now: datetime | None = None, within: timedelta = REMIND_BEFORE) -> int:
    """Mail every reviewer who still has reviews to submit in a round whose review deadline
    falls within `within` from now: one mail per round, with how many and the deadline, at
    most once a day (queue_mail's `once`). Returns the mails queued; the caller commits."""
    now = now or utcnow()
    submitted = select(Review.id).where(Review.assignment_id == ReviewAssignment.id,
                                        Review.status == ReviewStatus.SUBMITTED).exists()
    waiting = db.session.execute(
        select(ReviewAssignment.reviewer_id, ReviewAssignment.round_id, func.count())
        .join(Round, Round.id == ReviewAssignment.round_id)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .where(Round.status == RoundStatus.REVIEWING, Round.review_ends_at > now,
               Round.review_ends_at <= now + within,
               ReviewAssignment.status == AssignmentStatus.ACTIVE,
               Application.status == ApplicationStatus.IN_REVIEW, ~submitted)
        .group_by(ReviewAssignment.reviewer_id, ReviewAssignment.round_id)
        .order_by(ReviewAssignment.round_id, ReviewAssignment.reviewer_id)).all()
    if not waiting:
        return 0
    reviewers = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({r for r, _, _ in waiting}),
                           User.disabled_at.is_(None)))}
    rounds = {r.id: r for r in db.session.scalars(
        select(Round).where(Round.id.in_({r for _, r, _ in waiting})))}
    link = mail_link("review.queue")
    queued = 0
    for reviewer_id, round_id, count in waiting:
        reviewer = reviewers.get(reviewer_id)
        if reviewer is None:
            continue
        if queue_mail(reviewer.email, "review/deadline_reminder", reviewer.locale,
                      once=reminder_key(round_id, reviewer_id, now), reviewer=reviewer,
                      round=rounds[round_id], count=count, link=link):
            queued += 1
    return queued
