"""Starting review and assigning reviewers: the round goes into review with its submitted
applications, each gets its reviewers (automatically, `assignment.plan_assignments`, or by
hand), and the review deadline is set."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import Role, User, UserRole
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.applications.workflow import APPLICATION
from marketplace.audit.services import record
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import format_local, utcnow
from marketplace.core.urls import mail_link
from marketplace.extensions import db
from marketplace.funds import services as funds
from marketplace.review import policy
from marketplace.review.assignment import plan_assignments
from marketplace.review.conflicts import excluded_pairs
from marketplace.review.models import AssignmentStatus, ReviewAssignment, ReviewStatus
from marketplace.review.rules import settings_for, stored_round_rubric, stored_settings
from marketplace.review.workflow import ASSIGNMENT, mail_assigned
from marketplace.rounds.models import Round, RoundStatus
from marketplace.rounds.workflow import ROUND


def start_review(actor: User, round_: Round, now: datetime | None = None) -> int:
    """open → reviewing after the deadline; submitted applications go into review."""
    require(policy.can_manage_review(actor, round_))
    now = now or utcnow()
    # A double click starts once; a settings change waits (settings freeze from here on).
    funds.lock_in_order(round_.id)
    db.session.refresh(round_)
    if round_.status != RoundStatus.OPEN:
        raise NotAllowed(_l("只有征集中的年度项目可以开始评审。"))
    if round_.deadline_at is None:
        raise NotAllowed(_l("还没有设置申报截止时间：请先在年度项目页设置，截止后再开始评审。"))
    if now <= round_.deadline_at:
        raise NotAllowed(_l("申报到 %(at)s 才截止，现在还不能开始评审。可以等到截止，"
                            "或先点击“截止申报”立即截止。", at=format_local(round_.deadline_at)))
    applications = db.session.scalars(select(Application).where(
        Application.round_id == round_.id,
        Application.status == ApplicationStatus.SUBMITTED).order_by(Application.id)).all()
    APPLICATION.move_all(actor, applications, ApplicationStatus.IN_REVIEW)
    ROUND.move(actor, round_, RoundStatus.REVIEWING, audit={"applications": len(applications)})
    # The settings and the rubric are stored from here on (pages showed the defaults before).
    stored_settings(round_).review_started_at = now
    stored_round_rubric(round_)
    return len(applications)


def reviewers() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.REVIEWER, User.disabled_at.is_(None)).order_by(User.id)))


def require_reviewing(round_: Round) -> None:
    if round_.status != RoundStatus.REVIEWING:
        raise NotAllowed(_l("年度项目不在评审阶段。"))


def review_closed(round_: Round, now: datetime | None = None) -> bool:
    """Past the round's review deadline (checked on the server, to the second)."""
    return round_.review_ends_at is not None and (now or utcnow()) > round_.review_ends_at


def set_review_deadline(actor: User, round_: Round, ends_at: datetime) -> None:
    """Set or extend when reviewers must be done (naive UTC)."""
    require(policy.can_manage_review(actor, round_))
    if round_.deadline_at is not None and ends_at <= round_.deadline_at:
        raise NotAllowed(_l("评审截止时间应晚于申报截止时间。"), field="review_ends_at")
    before = {"review_ends_at": round_.review_ends_at}
    round_.review_ends_at = ends_at
    record("review.set_deadline", round_, actor=actor, before=before,
           after={"review_ends_at": ends_at})


class AutoAssignOutcome(NamedTuple):
    made: int                   # assignments made
    short: dict[int, int]       # application_id -> reviewers still missing
    left_to_others: int         # projects of the organizer's own groups, not touched


def auto_assign(actor: User, round_: Round) -> AutoAssignOutcome:
    """Give every application in review k reviewers. Projects of a group the organizer
    belongs to are left for a colleague (policy.can_assign_reviewers)."""
    require(policy.can_manage_review(actor, round_))
    require_reviewing(round_)
    k = settings_for(round_).reviewers_per_application
    own = policy.member_organisation_ids(actor)
    apps = db.session.execute(select(Application.id, Application.organisation_id).where(
        Application.round_id == round_.id,
        Application.status == ApplicationStatus.IN_REVIEW)).all()
    left_to_others = sum(1 for _, org_id in apps if org_id in own)
    apps = [(app_id, org_id) for app_id, org_id in apps if org_id not in own]
    by_id = {u.id: u for u in reviewers()}
    reviewer_ids = list(by_id)
    rows = db.session.execute(select(ReviewAssignment.application_id,
                                     ReviewAssignment.reviewer_id, ReviewAssignment.status)
                              .where(ReviewAssignment.round_id == round_.id)).all()
    existing: dict[int, set[int]] = {}
    loads: dict[int, int] = {}
    barred = set()
    for app_id, reviewer_id, status in rows:
        if status == AssignmentStatus.ACTIVE:
            existing.setdefault(app_id, set()).add(reviewer_id)
            loads[reviewer_id] = loads.get(reviewer_id, 0) + 1
        else:
            barred.add((app_id, reviewer_id))
    plan = plan_assignments(apps, reviewer_ids, k, excluded_pairs(reviewer_ids), existing,
                            loads, barred)
    for app_id, reviewer_id in plan.pairs:
        _assign(actor, round_.id, app_id, reviewer_id)
    # One mail per reviewer for the whole batch, not one per proposal.
    queue_link = mail_link("review.queue")
    for reviewer_id, count in sorted(Counter(r for _, r in plan.pairs).items()):
        mail_assigned(by_id[reviewer_id], round_, count, queue_link)
    record("review.auto_assign", round_, actor=actor,
           after={"made": len(plan.pairs), "short": plan.short,
                  "left_to_others": left_to_others})
    return AutoAssignOutcome(len(plan.pairs), plan.short, left_to_others)


def _assign(actor: User, round_id: int, application_id: int, reviewer_id: int
            ) -> ReviewAssignment:
    assignment = db.session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application_id,
        ReviewAssignment.reviewer_id == reviewer_id))
    if assignment is None:
        assignment = ReviewAssignment(round_id=round_id, application_id=application_id,
                                      reviewer_id=reviewer_id, assigned_by_id=actor.id,
                                      status=AssignmentStatus.ACTIVE)
        db.session.add(assignment)
    elif assignment.status != AssignmentStatus.ACTIVE:
        ASSIGNMENT.move(actor, assignment, AssignmentStatus.ACTIVE,
                        audit={"application_id": application_id, "reviewer_id": reviewer_id})
    assignment.assigned_at = utcnow()
    db.session.flush()
    return assignment


def add_assignment(actor: User, application: Application, reviewer: User) -> ReviewAssignment:
    """Manual assignment by the organizer; conflicts and own groups are refused."""
    require(policy.can_assign_reviewers(actor, application))
    require_reviewing(application.round)
    if application.status != ApplicationStatus.IN_REVIEW:
        raise NotAllowed(_l("这个项目不在评审中。"))
    if not policy.is_reviewer(reviewer):
        raise NotAllowed(_l("请选择评审专家。"), field="reviewer_id")
    if (reviewer.id, application.organisation_id) in excluded_pairs([reviewer.id]):
        raise NotAllowed(_l("这位专家与申报组织有利益关系，需要回避。"), field="reviewer_id")
    current = db.session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application.id,
        ReviewAssignment.reviewer_id == reviewer.id))
    if current is not None and current.status == AssignmentStatus.ACTIVE:
        raise NotAllowed(_l("这位专家已经在评审这个项目。"), field="reviewer_id")
    if current is not None and current.status == AssignmentStatus.RECUSED:
        raise NotAllowed(_l("这位专家已对这个项目申请回避。"), field="reviewer_id")
    assignment = _assign(actor, application.round_id, application.id, reviewer.id)
    if current is None:  # assigning a removed one again is its move's audit entry and mail
        record("review.assign", assignment, actor=actor,
               after={"application_id": application.id, "reviewer_id": reviewer.id})
        mail_assigned(reviewer, application.round, 1,
                      mail_link("review.proposal", application_id=application.id))
    return assignment


def remove_assignment(actor: User, assignment: ReviewAssignment) -> None:
    require(policy.can_assign_reviewers(actor, assignment.application))
    require_reviewing(assignment.application.round)
    if assignment.review is not None and assignment.review.status == ReviewStatus.SUBMITTED:
        raise NotAllowed(_l("专家已提交评分，不能撤销分配。"))
    ASSIGNMENT.move(actor, assignment, AssignmentStatus.REMOVED,
                    audit={"application_id": assignment.application_id,
                           "reviewer_id": assignment.reviewer_id})
