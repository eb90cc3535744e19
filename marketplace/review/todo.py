"""What review puts on people's to-do lists (core/todo.py) and counts in the nav bar.

The organizer: rounds past their deadline still open, projects without reviewers, reviews
behind schedule, projects fully reviewed and waiting for a decision, objections to answer,
公示 periods that have ended — counted in one statement (`core.todo.tallies`), shared with
the count beside 评审与立项. A reviewer: each round with reviews still to submit and its
deadline, counted beside 我的评审任务. Projects of the organizer's own groups are left out:
they may not act on them (policy.py)."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, func, or_, select

from marketplace.accounts import roles
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core import nav, todo
from marketplace.core.request_cache import per_request
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds.models import Award, AwardStatus
from marketplace.organisations.models import Membership
from marketplace.review.models import (
    AssignmentStatus,
    Objection,
    ObjectionStatus,
    Publicity,
    PublicityListing,
    Review,
    ReviewAssignment,
    ReviewStatus,
)
from marketplace.rounds.models import Round, RoundStatus


def _submitted_review():
    return select(Review.id).where(Review.assignment_id == ReviewAssignment.id,
                                   Review.status == ReviewStatus.SUBMITTED).exists()


def _assignments_of(application_id, *conditions):
    return select(ReviewAssignment.id).where(
        ReviewAssignment.application_id == application_id,
        ReviewAssignment.status == AssignmentStatus.ACTIVE, *conditions).exists()


@per_request
def organizer_tallies(user) -> dict[str, todo.Tally]:
    """Everything review has for an organizer to do, counted in one statement."""
    now = utcnow()
    own = select(Membership.organisation_id).where(Membership.user_id == user.id)
    in_review = and_(Round.status == RoundStatus.REVIEWING,
                     Application.status == ApplicationStatus.IN_REVIEW,
                     Application.organisation_id.not_in(own))
    reviewed = and_(_assignments_of(Application.id),
                    ~_assignments_of(Application.id, ~_submitted_review()))
    approval_still_listed = select(PublicityListing.id).join(
        Award, Award.id == PublicityListing.award_id).where(
        PublicityListing.publicity_id == Publicity.id, Award.status == AwardStatus.APPROVED,
        PublicityListing.objections_until >= now).exists()
    return todo.tallies({
        "to_start": select(Round.id.label("ref"), Round.deadline_at.label("due"))
        .where(Round.status == RoundStatus.OPEN, Round.deadline_at < now),
        "to_assign": select(Application.round_id.label("ref"))
        .join(Round, Round.id == Application.round_id)
        .where(in_review, ~_assignments_of(Application.id)),
        "late_reviews": select(ReviewAssignment.round_id.label("ref"),
                               Round.review_ends_at.label("due"))
        .join(Round, Round.id == ReviewAssignment.round_id)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .where(in_review, Round.review_ends_at < now,
               ReviewAssignment.status == AssignmentStatus.ACTIVE, ~_submitted_review()),
        "to_decide": select(Application.round_id.label("ref"))
        .join(Round, Round.id == Application.round_id).where(in_review, reviewed),
        "objections": select(Objection.round_id.label("ref"))
        .join(Round, Round.id == Objection.round_id)
        .outerjoin(Application, Application.id == Objection.application_id)
        .where(Round.status == RoundStatus.PUBLICITY, Objection.status == ObjectionStatus.OPEN,
               or_(Objection.application_id.is_(None),
                   Application.organisation_id.not_in(own))),
        "to_finalise": select(Publicity.round_id.label("ref"), Publicity.ends_at.label("due"))
        .join(Round, Round.id == Publicity.round_id)
        .where(Round.status == RoundStatus.PUBLICITY, Publicity.finalised_at.is_(None),
               Publicity.ends_at < now, ~approval_still_listed),
    })


def _round_page(endpoint: str):
    """The round's page when they all belong to one round, else the list of rounds."""
    return lambda tally: (url_for(endpoint, round_id=tally.only) if tally.only
                          else url_for("review.rounds"))


for order, key, label, endpoint, due_label in (
        (10, "to_start", _l("已过申报截止、待开始评审的年度项目"), "review.manage_round",
         _l("申报截止")),
        (20, "to_assign", _l("待分配评审专家的项目"), "review.manage_round", None),
        (30, "late_reviews", _l("逾期未提交的评分"), "review.manage_round", _l("评审截止")),
        (40, "to_decide", _l("评审已完成、待作出决定的项目"), "review.ranking", None),
        (50, "objections", _l("待答复的异议"), "review.objections", None),
        (60, "to_finalise", _l("公示期满、待确认立项的年度项目"), "review.manage_round",
         _l("公示结束"))):
    todo.register(roles.is_organizer, f"review.{key}", label,
                  lambda user, key=key: organizer_tallies(user)[key], _round_page(endpoint),
                  section="organizer", order=100 + order, due_label=due_label)


@per_request
def reviewer_rounds(user) -> list:
    """(round id, title, review deadline, reviews still to submit) of the reviewer's rounds in
    review, the nearest deadline first."""
    return db.session.execute(
        select(Round.id, Round.title, Round.review_ends_at, func.count(ReviewAssignment.id))
        .select_from(ReviewAssignment)
        .join(Round, Round.id == ReviewAssignment.round_id)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .where(ReviewAssignment.reviewer_id == user.id,
               ReviewAssignment.status == AssignmentStatus.ACTIVE,
               Round.status == RoundStatus.REVIEWING,
               Application.status == ApplicationStatus.IN_REVIEW, ~_submitted_review())
        .group_by(Round.id, Round.title, Round.review_ends_at)
        .order_by(Round.review_ends_at.is_(None), Round.review_ends_at, Round.id)).all()


def _reviews_to_submit(user) -> list[todo.Todo]:
    now = utcnow()
    return [todo.Todo(f"review.round.{round_id}", title, url_for("review.queue"), count=n,
                      detail=ngettext("%(num)d 份评分待提交", "%(num)d 份评分待提交", n)
                      + ("" if due else " · " + _("评审截止时间未定")),
                      due_at=due, due_label=_("评审截止"), overdue=due is not None and due < now)
            for round_id, title, due, n in reviewer_rounds(user)]


todo.register_rows(roles.is_reviewer, "review.assignments", _reviews_to_submit,
                   section="reviewer", order=10)

nav.badge("review.rounds",
          lambda user: sum(t.count for t in organizer_tallies(user).values()))
nav.badge("review.queue", lambda user: sum(n for *_, n in reviewer_rounds(user)))
