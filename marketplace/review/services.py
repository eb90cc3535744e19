"""Review, decisions and 公示. Each function checks who and when, changes, audits and queues its
mail; none commits (the view or CLI commits once)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role, User, UserRole
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.audit.services import record
from marketplace.core.money import from_fen, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import to_local, utcnow
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.funds import services as funds
from marketplace.funds.models import Award, AwardStatus
from marketplace.notify.services import queue_mail
from marketplace.organisations.models import MemberRole, Membership, Organisation
from marketplace.review import policy
from marketplace.review.assignment import plan_assignments
from marketplace.review.models import (
    DEFAULT_CRITERIA,
    AssignmentStatus,
    Criterion,
    Objection,
    ObjectionStatus,
    OthersScores,
    Publicity,
    Review,
    ReviewAssignment,
    ReviewerConflict,
    ReviewScore,
    ReviewStatus,
    RoundReviewSettings,
    Rubric,
    ScoringMethod,
)
from marketplace.review.scoring import weighted_total
from marketplace.rounds.models import Pool, Round, RoundStatus

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Applications that take part in review and decisions.
REVIEWED_STATUSES = (ApplicationStatus.IN_REVIEW, ApplicationStatus.REJECTED,
                     ApplicationStatus.WAITLISTED, ApplicationStatus.APPROVED,
                     ApplicationStatus.AWARDED)
DECIDABLE_STATUSES = (ApplicationStatus.IN_REVIEW, ApplicationStatus.WAITLISTED,
                      ApplicationStatus.REJECTED)


def _link(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, also from a CLI command or a test (no request)."""
    if has_request_context():
        return public_url(url_for(endpoint, **values))
    with current_app.test_request_context():
        return public_url(url_for(endpoint, **values))


# --- settings and rubric -----------------------------------------------------------------

def settings_for(round_: Round) -> RoundReviewSettings:
    settings = db.session.get(RoundReviewSettings, round_.id)
    if settings is None:
        settings = RoundReviewSettings(round_id=round_.id, reviewers_per_application=3,
                                       blind=False, others_scores=OthersScores.AFTER_OWN,
                                       scoring_method=ScoringMethod.MEAN,
                                       disagreement_points=20)
        db.session.add(settings)
        db.session.flush()
    return settings


@dataclass
class SettingsData:
    reviewers_per_application: int
    blind: bool
    others_scores: OthersScores
    scoring_method: ScoringMethod
    disagreement_points: int


def update_settings(round_: Round, data: SettingsData, actor: User) -> RoundReviewSettings:
    require(policy.can_manage_review(actor, round_))
    if not 1 <= data.reviewers_per_application <= 15:
        raise NotAllowed(_l("每个项目的评审专家人数应在 1 到 15 之间。"),
                         field="reviewers_per_application")
    if not 0 <= data.disagreement_points <= 100:
        raise NotAllowed(_l("分歧阈值应在 0 到 100 分之间。"), field="disagreement_points")
    settings = settings_for(round_)
    before = {f: getattr(settings, f) for f in vars(data)}
    for name, value in vars(data).items():
        setattr(settings, name, value)
    record("review.settings", object_type="round", object_id=round_.id, actor=actor,
           before=before, after=vars(data))
    return settings


def round_rubric(round_: Round) -> Rubric:
    """The round's rubric, created with the default criteria the first time it is asked for."""
    rubric = db.session.scalar(select(Rubric).where(Rubric.round_id == round_.id,
                                                    Rubric.challenge_id.is_(None)))
    if rubric is None:
        rubric = Rubric(round_id=round_.id, name="评分细则")
        for position, (name, weight, max_score, guidance) in enumerate(DEFAULT_CRITERIA):
            rubric.criteria.append(Criterion(position=position, name=name, weight=weight,
                                             max_score=max_score, guidance=guidance))
        db.session.add(rubric)
        db.session.flush()
    return rubric


def challenge_rubric(challenge) -> Rubric | None:
    return db.session.scalar(select(Rubric).where(Rubric.challenge_id == challenge.id))


def rubric_for(application: Application) -> Rubric:
    """A bid is scored by its challenge's own rubric when it has one, else by the round's."""
    if application.challenge_id:
        own = db.session.scalar(select(Rubric).where(
            Rubric.challenge_id == application.challenge_id))
        if own is not None:
            return own
    return round_rubric(application.round)


@dataclass
class CriterionData:
    name: str
    weight: int
    max_score: int
    guidance: str = ""


def save_rubric(round_: Round, criteria: list[CriterionData], actor: User,
                challenge=None) -> Rubric:
    """Replace the criteria of the round's rubric (or a challenge's own rubric). Weights must
    sum to 100; not once a review has been saved against it."""
    require(policy.can_manage_review(actor, round_))
    criteria = [c for c in criteria if c.name.strip()]
    if not criteria:
        raise NotAllowed(_l("评分细则至少要有一项。"), field="criteria")
    if sum(c.weight for c in criteria) != 100:
        raise NotAllowed(_l("各项权重之和应为 100，现在是 %(n)d。",
                            n=sum(c.weight for c in criteria)), field="criteria")
    if any(c.max_score <= 0 or c.weight < 0 for c in criteria):
        raise NotAllowed(_l("满分必须大于零，权重不能为负。"), field="criteria")
    if challenge is not None:
        rubric = challenge_rubric(challenge)
        if rubric is None:
            rubric = Rubric(round_id=round_.id, challenge_id=challenge.id,
                            name=f"{challenge.title} 评分细则")
            db.session.add(rubric)
    else:
        rubric = round_rubric(round_)
    if rubric.id and db.session.scalar(select(func.count(Review.id)).where(
            Review.rubric_id == rubric.id)):
        raise NotAllowed(_l("已有专家按这套细则评分，不能再修改。"), field="criteria")
    before = [(c.name, c.weight, c.max_score) for c in rubric.criteria]
    rubric.criteria.clear()
    db.session.flush()
    for position, c in enumerate(criteria):
        rubric.criteria.append(Criterion(position=position, name=c.name.strip()[:60],
                                         weight=c.weight, max_score=c.max_score,
                                         guidance=c.guidance.strip()))
    db.session.flush()
    record("review.rubric", rubric, actor=actor, before={"criteria": before},
           after={"criteria": [(c.name, c.weight, c.max_score) for c in criteria]})
    return rubric


# --- reviewers' standing conflicts ----------------------------------------------------------

def declare_conflict(reviewer: User, organisation: Organisation, note: str = ""
                     ) -> ReviewerConflict:
    """A reviewer declares an organisation they belong to or advise; never assigned to it."""
    if not policy.is_reviewer(reviewer):
        raise NotAllowed(_l("只有评审专家可以申报回避。"))
    conflict = db.session.scalar(select(ReviewerConflict).where(
        ReviewerConflict.reviewer_id == reviewer.id,
        ReviewerConflict.organisation_id == organisation.id))
    if conflict is None:
        conflict = ReviewerConflict(reviewer_id=reviewer.id, organisation_id=organisation.id,
                                    note=(note or "").strip()[:200])
        db.session.add(conflict)
        record("review.conflict_declare", conflict, actor=reviewer,
               after={"organisation_id": organisation.id})
    # Existing assignments on that organisation's proposals end now.
    for assignment in db.session.scalars(
            select(ReviewAssignment).join(Application)
            .where(ReviewAssignment.reviewer_id == reviewer.id,
                   ReviewAssignment.status == AssignmentStatus.ACTIVE,
                   Application.organisation_id == organisation.id)):
        _recuse(assignment, _l("申报了与该组织的利益关系"), reviewer)
    return conflict


def find_organisations(name_or_uscc: str) -> list[Organisation]:
    """Organisations whose exact name or USCC was typed (several teams may share a USCC)."""
    text = (name_or_uscc or "").strip()
    if not text:
        return []
    return list(db.session.scalars(select(Organisation).where(
        (Organisation.name == text) | (Organisation.uscc == text.upper()))
        .order_by(Organisation.id)))


def declare_conflicts(reviewer: User, name_or_uscc: str, note: str = ""
                      ) -> list[ReviewerConflict]:
    organisations = find_organisations(name_or_uscc)
    if not organisations:
        raise NotAllowed(_l("没有找到这个组织，请填写完整的组织名称或统一社会信用代码。"),
                         field="organisation")
    return [declare_conflict(reviewer, o, note) for o in organisations]


def withdraw_conflict(reviewer: User, conflict: ReviewerConflict) -> None:
    if conflict.reviewer_id != reviewer.id:
        raise NotAllowed(_l("找不到这条回避声明。"))
    record("review.conflict_withdraw", conflict, actor=reviewer,
           before={"organisation_id": conflict.organisation_id})
    db.session.delete(conflict)


def excluded_pairs(reviewer_ids: list[int]) -> set[tuple[int, int]]:
    """(reviewer_id, organisation_id): declared conflicts and the reviewers' own groups."""
    pairs = set(db.session.execute(
        select(ReviewerConflict.reviewer_id, ReviewerConflict.organisation_id)
        .where(ReviewerConflict.reviewer_id.in_(reviewer_ids))))
    pairs |= set(db.session.execute(
        select(Membership.user_id, Membership.organisation_id)
        .where(Membership.user_id.in_(reviewer_ids))))
    return pairs


# --- starting review and assigning ------------------------------------------------------------

def start_review(round_: Round, actor: User, now: datetime | None = None) -> int:
    """open → reviewing after the deadline; submitted applications go into review."""
    require(policy.can_manage_review(actor, round_))
    now = now or utcnow()
    if round_.status != RoundStatus.OPEN:
        raise NotAllowed(_l("只有征集中的年度项目可以开始评审。"))
    if round_.deadline_at is None or now <= round_.deadline_at:
        raise NotAllowed(_l("申报截止之后才能开始评审。"))
    applications = db.session.scalars(select(Application).where(
        Application.round_id == round_.id,
        Application.status == ApplicationStatus.SUBMITTED)).all()
    for application in applications:
        application.status = ApplicationStatus.IN_REVIEW
    round_.status = RoundStatus.REVIEWING
    settings_for(round_).review_started_at = now
    round_rubric(round_)
    record("round.start_review", round_, actor=actor, before={"status": "open"},
           after={"status": "reviewing", "applications": len(applications)})
    return len(applications)


def reviewers() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.REVIEWER, User.disabled_at.is_(None)).order_by(User.id)))


def _require_reviewing(round_: Round) -> None:
    if round_.status != RoundStatus.REVIEWING:
        raise NotAllowed(_l("年度项目不在评审阶段。"))


def review_closed(round_: Round, now: datetime | None = None) -> bool:
    """Past the round's review deadline (checked on the server, to the second)."""
    return round_.review_ends_at is not None and (now or utcnow()) > round_.review_ends_at


def set_review_deadline(round_: Round, ends_at: datetime, actor: User) -> None:
    """Set or extend when reviewers must be done (naive UTC)."""
    require(policy.can_manage_review(actor, round_))
    if round_.deadline_at is not None and ends_at <= round_.deadline_at:
        raise NotAllowed(_l("评审截止时间应晚于申报截止时间。"), field="review_ends_at")
    before = {"review_ends_at": round_.review_ends_at}
    round_.review_ends_at = ends_at
    record("review.set_deadline", round_, actor=actor, before=before,
           after={"review_ends_at": ends_at})


def auto_assign(round_: Round, actor: User) -> tuple[int, dict[int, int]]:
    """Give every application in review k reviewers. Returns (assignments made,
    {application_id: reviewers still missing})."""
    require(policy.can_manage_review(actor, round_))
    _require_reviewing(round_)
    k = settings_for(round_).reviewers_per_application
    apps = db.session.execute(select(Application.id, Application.organisation_id).where(
        Application.round_id == round_.id,
        Application.status == ApplicationStatus.IN_REVIEW)).all()
    reviewer_ids = [u.id for u in reviewers()]
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
        _assign(round_.id, app_id, reviewer_id, actor)
    record("review.auto_assign", round_, actor=actor,
           after={"made": len(plan.pairs), "short": plan.short})
    return len(plan.pairs), plan.short


def _assign(round_id: int, application_id: int, reviewer_id: int, actor: User
            ) -> ReviewAssignment:
    assignment = db.session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application_id,
        ReviewAssignment.reviewer_id == reviewer_id))
    if assignment is None:
        assignment = ReviewAssignment(round_id=round_id, application_id=application_id,
                                      reviewer_id=reviewer_id, assigned_by_id=actor.id)
        db.session.add(assignment)
    assignment.status = AssignmentStatus.ACTIVE
    assignment.assigned_at = utcnow()
    db.session.flush()
    return assignment


def add_assignment(application: Application, reviewer: User, actor: User) -> ReviewAssignment:
    """Manual assignment by the organizer; conflicts and own groups are refused."""
    require(policy.can_manage_review(actor, application.round))
    _require_reviewing(application.round)
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
    assignment = _assign(application.round_id, application.id, reviewer.id, actor)
    record("review.assign", assignment, actor=actor,
           after={"application_id": application.id, "reviewer_id": reviewer.id})
    return assignment


def remove_assignment(assignment: ReviewAssignment, actor: User) -> None:
    require(policy.can_manage_review(actor, assignment.application.round))
    if assignment.review is not None and assignment.review.status == ReviewStatus.SUBMITTED:
        raise NotAllowed(_l("专家已提交评分，不能撤销分配。"))
    assignment.status = AssignmentStatus.REMOVED
    record("review.unassign", assignment, actor=actor,
           after={"application_id": assignment.application_id,
                  "reviewer_id": assignment.reviewer_id})


def _organizers() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ORGANIZER, User.disabled_at.is_(None)).order_by(User.id)))


def _recuse(assignment: ReviewAssignment, note: str, actor: User) -> None:
    assignment.status = AssignmentStatus.RECUSED
    assignment.recused_at = utcnow()
    assignment.recusal_note = str(note)
    record("review.recuse", assignment, actor=actor,
           after={"application_id": assignment.application_id})
    application = assignment.application
    link = _link("review.manage_round", round_id=application.round_id)
    for organizer in _organizers():
        queue_mail(organizer.email, "review_recused", organizer.locale, reviewer=actor,
                   application=application, note=str(note), link=link)


def recuse(assignment: ReviewAssignment, note: str, actor: User) -> None:
    """The reviewer declares a conflict on an assigned proposal: recused, organizers told."""
    if assignment.reviewer_id != actor.id or assignment.status != AssignmentStatus.ACTIVE:
        raise NotAllowed(_l("你没有被分配评审这个项目。"))
    if assignment.review is not None and assignment.review.status == ReviewStatus.SUBMITTED:
        raise NotAllowed(_l("评分已提交；如需回避，请联系团市委工作人员。"))
    note = (note or "").strip()
    if not note:
        raise NotAllowed(_l("请说明需要回避的原因。"), field="note")
    _recuse(assignment, note, actor)


# --- reviews ---------------------------------------------------------------------------------

@dataclass
class ScoreData:
    criterion_id: int
    score: str | Decimal | None
    comment: str = ""


def review_for(assignment: ReviewAssignment) -> Review:
    """The reviewer's review of the assignment, created (empty, draft) when first opened."""
    if assignment.review is None:
        rubric = rubric_for(assignment.application)
        criteria = list(rubric.criteria)
        review = Review(assignment_id=assignment.id, application_id=assignment.application_id,
                        reviewer_id=assignment.reviewer_id, rubric_id=rubric.id,
                        status=ReviewStatus.DRAFT, overall_comment="")
        db.session.add(review)
        for criterion in criteria:
            review.scores.append(ReviewScore(criterion_id=criterion.id, score=None, comment=""))
        db.session.flush()
        db.session.refresh(assignment, ["review"])
    return assignment.review


def save_review(assignment: ReviewAssignment, scores: list[ScoreData], overall_comment: str,
                actor: User, submit: bool = False, now: datetime | None = None) -> Review:
    """Save the score form as a draft, or submit it (every criterion scored, within 0..max)."""
    application = assignment.application
    require(policy.can_score(actor, application))
    if assignment.reviewer_id != actor.id:
        raise NotAllowed(_l("你没有被分配评审这个项目。"))
    _require_reviewing(application.round)
    if review_closed(application.round, now):
        when = to_local(application.round.review_ends_at).strftime("%Y-%m-%d %H:%M")
        raise NotAllowed(_l("评审已于 %(when)s 截止，不能再保存或提交评分；"
                            "如需延长请联系团市委工作人员。", when=when))
    review = review_for(assignment)
    if review.status == ReviewStatus.SUBMITTED:
        raise NotAllowed(_l("评分已提交，不能再修改；如需修改请联系团市委工作人员重新开放。"))
    by_criterion = {s.criterion_id: s for s in review.scores}
    criteria = {c.id: c for c in review.rubric.criteria}
    for data in scores:
        criterion = criteria.get(data.criterion_id)
        if criterion is None:
            continue
        field = f"score_{criterion.id}"
        value = None
        if data.score not in (None, ""):
            try:
                value = Decimal(str(data.score).strip())
            except InvalidOperation:
                raise NotAllowed(_l("请填写数字。"), field=field) from None
            if not value.is_finite() or value < 0 or value > criterion.max_score:
                raise NotAllowed(_l("%(name)s的分数应在 0 到 %(max)d 之间。",
                                    name=criterion.name, max=criterion.max_score), field=field)
            if value != value.quantize(Decimal("0.1")):
                raise NotAllowed(_l("分数最多保留一位小数。"), field=field)
        score = by_criterion.get(criterion.id)
        if score is None:
            score = ReviewScore(criterion_id=criterion.id)
            review.scores.append(score)
        score.score = value
        score.comment = (data.comment or "").strip()[:5000]
    review.overall_comment = (overall_comment or "").strip()[:10000]
    if submit:
        missing = [c for c in review.rubric.criteria
                   if by_criterion.get(c.id) is None or by_criterion[c.id].score is None]
        if missing:
            raise NotAllowed(_l("提交前请为每一项打分（还缺：%(names)s）。",
                                names="、".join(c.name for c in missing)),
                             field=f"score_{missing[0].id}")
        if not review.overall_comment:
            raise NotAllowed(_l("提交前请填写总体评价。"), field="overall_comment")
        review.total = weighted_total(
            (by_criterion[c.id].score, c.max_score, c.weight) for c in review.rubric.criteria)
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = utcnow()
    db.session.flush()
    record("review.submit" if submit else "review.save_draft", review, actor=actor,
           after={"application_id": application.id, "total": review.total,
                  "status": review.status})
    return review


def reopen_review(review: Review, reason: str, actor: User) -> Review:
    """Only the organizer reopens a submitted review, with a recorded reason."""
    require(policy.can_manage_review(actor, review.assignment.application.round))
    _require_reviewing(review.assignment.application.round)
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed(_l("请填写重新开放的理由。"), field="reason")
    if review.status != ReviewStatus.SUBMITTED:
        raise NotAllowed(_l("这份评分还没有提交。"))
    review.status = ReviewStatus.DRAFT
    review.total = None
    review.reopened_at = utcnow()
    review.reopen_reason = reason
    record("review.reopen", review, actor=actor, after={"reason": reason})
    reviewer = db.session.get(User, review.reviewer_id)
    queue_mail(reviewer.email, "review_reopened", reviewer.locale, reviewer=reviewer,
               reason=reason, link=_link("review.proposal", application_id=review.application_id))
    return review


def others_visible(assignment: ReviewAssignment) -> bool:
    """Others' scores on this proposal: only after one's own is submitted, or never."""
    settings = settings_for(assignment.application.round)
    if settings.others_scores == OthersScores.NEVER:
        return False
    return assignment.review is not None and assignment.review.status == ReviewStatus.SUBMITTED


# --- decisions ---------------------------------------------------------------------------------

def _require_decidable(application: Application, actor: User) -> None:
    require(policy.can_decide(actor, application))
    round_ = application.round
    if round_.status not in (RoundStatus.REVIEWING, RoundStatus.PUBLICITY):
        raise NotAllowed(_l("年度项目不在评审或公示阶段，不能作出决定。"))
    if application.status not in DECIDABLE_STATUSES:
        raise NotAllowed(_l("这个项目当前状态为“%(status)s”，不能作出决定。",
                            status=application.status.label))
    if round_.status == RoundStatus.PUBLICITY and application.status != \
            ApplicationStatus.WAITLISTED:
        raise NotAllowed(_l("公示期间只能递补候补项目。"))


def approve_application(application: Application, amount: Decimal, actor: User,
                        pool: Pool | None = None, feedback: str = "") -> Award:
    """立项决定: an amount (> 0, ≤ requested) committed against the pool (default: the
    application's pool). Refused when the money does not fit (funds.commit_award)."""
    _require_decidable(application, actor)
    pool = pool or application.pool
    if amount is None or amount <= 0:
        raise NotAllowed(_l("立项金额必须大于零。"), field="amount")
    if to_fen(amount) > application.requested_fen:
        raise NotAllowed(_l("立项金额不能超过申请金额 %(req)s。",
                            req=from_fen(application.requested_fen)), field="amount")
    db.session.flush()
    # Lock the application row too (after the money rows, in the same order everywhere) so
    # two organizers cannot decide the same application at once.
    award = funds.commit_award(application, pool, amount, actor)
    db.session.refresh(application, with_for_update=db.session.get_bind().dialect.name
                       != "sqlite")
    if application.status not in DECIDABLE_STATUSES:
        raise NotAllowed(_l("这个项目刚刚已被作出决定，请刷新页面。"))
    before = {"status": application.status}
    application.status = ApplicationStatus.APPROVED
    application.pool_id = pool.id if pool else application.pool_id
    if feedback.strip():
        application.feedback = feedback.strip()
    record("application.approve", application, actor=actor, before=before,
           after={"status": application.status, "amount": amount, "award_id": award.id})
    return award


def _decide_without_money(application: Application, feedback: str, actor: User,
                          status: ApplicationStatus, action: str) -> None:
    _require_decidable(application, actor)
    feedback = (feedback or "").strip()
    if status == ApplicationStatus.REJECTED and not feedback:
        raise NotAllowed(_l("请填写给申报团队的反馈意见。"), field="feedback")
    before = {"status": application.status}
    application.status = status
    if feedback:
        application.feedback = feedback
    record(action, application, actor=actor, before=before,
           after={"status": status, "feedback": feedback})


def reject_application(application: Application, feedback: str, actor: User) -> None:
    _decide_without_money(application, feedback, actor, ApplicationStatus.REJECTED,
                          "application.reject")


def waitlist_application(application: Application, feedback: str, actor: User) -> None:
    if application.status == ApplicationStatus.WAITLISTED:
        raise NotAllowed(_l("这个项目已在候补名单上。"))
    _decide_without_money(application, feedback, actor, ApplicationStatus.WAITLISTED,
                          "application.waitlist")


# --- 公示 -----------------------------------------------------------------------------------

def publicity_of(round_: Round) -> Publicity | None:
    return db.session.scalar(select(Publicity).where(Publicity.round_id == round_.id))


def approved_awards(round_: Round) -> list[Award]:
    return list(db.session.scalars(
        select(Award).join(Application, Application.id == Award.application_id)
        .where(Award.round_id == round_.id,
               Award.status.in_((AwardStatus.APPROVED, AwardStatus.AWARDED)))
        .options(selectinload(Award.application).selectinload(Application.organisation),
                 selectinload(Award.pool))
        .order_by(Award.pool_id, Application.title, Award.id)))


def publish_publicity(round_: Round, actor: User, starts_at: datetime | None = None,
                      now: datetime | None = None) -> Publicity:
    """reviewing → publicity: approvals are listed publicly for the round's publicity_days."""
    require(policy.can_manage_review(actor, round_))
    now = now or utcnow()
    _require_reviewing(round_)
    undecided = db.session.scalar(select(func.count(Application.id)).where(
        Application.round_id == round_.id, Application.status == ApplicationStatus.IN_REVIEW))
    if undecided:
        raise NotAllowed(_l("还有 %(n)d 个项目没有作出决定。", n=undecided))
    if not approved_awards(round_):
        raise NotAllowed(_l("还没有拟立项的项目，无法公示。"))
    starts_at = starts_at or now
    if starts_at < now - timedelta(days=1):
        raise NotAllowed(_l("公示开始时间不能早于今天。"), field="starts_at")
    publicity = Publicity(round_id=round_.id, starts_at=starts_at,
                          ends_at=starts_at + timedelta(days=round_.publicity_days or 7),
                          published_at=now, published_by_id=actor.id)
    db.session.add(publicity)
    round_.status = RoundStatus.PUBLICITY
    record("round.publish_publicity", round_, actor=actor, before={"status": "reviewing"},
           after={"status": "publicity", "starts_at": starts_at, "ends_at": publicity.ends_at})
    return publicity


@dataclass
class ObjectionData:
    application_id: int | None
    name: str
    contact: str
    text: str


def file_objection(round_: Round, data: ObjectionData, ip: str | None = None,
                   now: datetime | None = None) -> Objection:
    """Anyone may object to a listed project while the 公示 is open."""
    now = now or utcnow()
    publicity = publicity_of(round_)
    if round_.status != RoundStatus.PUBLICITY or publicity is None \
            or not publicity.is_open_at(now):
        raise NotAllowed(_l("不在公示期内，不能提出异议。"))
    listed = {a.application_id for a in approved_awards(round_)}
    if data.application_id not in listed:
        raise NotAllowed(_l("请选择公示名单中的项目。"), field="application_id")
    name, contact, text = (data.name or "").strip(), (data.contact or "").strip(), \
        (data.text or "").strip()
    if not name:
        raise NotAllowed(_l("请填写姓名。"), field="name")
    if not contact:
        raise NotAllowed(_l("请填写联系方式。"), field="contact")
    if len(text) < 10:
        raise NotAllowed(_l("请写明异议的具体内容（至少 10 个字）。"), field="text")
    objection = Objection(round_id=round_.id, application_id=data.application_id,
                          name=name[:60], contact=contact[:120], text=text[:5000], ip=ip,
                          created_at=now)
    db.session.add(objection)
    db.session.flush()
    record("objection.file", objection, actor=None,
           after={"application_id": data.application_id})
    if EMAIL.match(objection.contact):
        queue_mail(objection.contact, "objection_received", None, objection=objection,
                   round=round_, link=_link("review.publicity", round_id=round_.id))
    link = _link("review.objections", round_id=round_.id)
    for organizer in _organizers():
        queue_mail(organizer.email, "objection_filed", organizer.locale, objection=objection,
                   round=round_, link=link)
    return objection


def _require_open_objection(objection: Objection, actor: User, reply: str) -> str:
    require(policy.can_answer_objection(actor, objection))
    if objection.status != ObjectionStatus.OPEN:
        raise NotAllowed(_l("这条异议已经答复。"))
    reply = (reply or "").strip()
    if not reply:
        raise NotAllowed(_l("请填写答复内容。"), field="reply")
    return reply


def dismiss_objection(objection: Objection, reply: str, actor: User) -> None:
    reply = _require_open_objection(objection, actor, reply)
    objection.status = ObjectionStatus.DISMISSED
    objection.reply = reply
    objection.answered_at = utcnow()
    objection.answered_by_id = actor.id
    record("objection.dismiss", objection, actor=actor, after={"reply": reply})


def uphold_objection(objection: Objection, reply: str, actor: User) -> None:
    """The approval is withdrawn: award withdrawn, DECOMMIT entry, money back to the pool.
    The next on the waiting list may then be approved (approve_application)."""
    reply = _require_open_objection(objection, actor, reply)
    application = objection.application
    award = db.session.scalar(select(Award).where(Award.application_id == application.id))
    if award is None or award.status != AwardStatus.APPROVED:
        raise NotAllowed(_l("这个项目没有待公示的立项，无法撤销。"))
    require(policy.can_decide(actor, application))
    funds.decommit_award(award, f"异议成立：{reply}", actor)
    before = {"status": application.status}
    application.status = ApplicationStatus.REJECTED
    application.feedback = reply
    objection.status = ObjectionStatus.UPHELD
    objection.reply = reply
    objection.answered_at = utcnow()
    objection.answered_by_id = actor.id
    record("objection.uphold", objection, actor=actor,
           after={"reply": reply, "award_id": award.id})
    record("application.withdraw_approval", application, actor=actor, before=before,
           after={"status": application.status})


def finalise_round(round_: Round, actor: User, now: datetime | None = None) -> int:
    """After the 公示, every objection answered: approvals become awards (立项), the round
    moves to delivery, every applicant is e-mailed the decision with the feedback."""
    require(policy.can_manage_review(actor, round_))
    now = now or utcnow()
    # A double click finalises once: the second waits for the first, then sees delivery.
    funds.lock_for_money(round_.id)
    db.session.refresh(round_)
    publicity = publicity_of(round_)
    if round_.status != RoundStatus.PUBLICITY or publicity is None:
        raise NotAllowed(_l("年度项目不在公示阶段。"))
    if now <= publicity.ends_at:
        raise NotAllowed(_l("公示期到 %(end)s 结束，之后才能确认立项。",
                            end=publicity.ends_at.strftime("%Y-%m-%d %H:%M UTC")))
    open_objections = db.session.scalar(select(func.count(Objection.id)).where(
        Objection.round_id == round_.id, Objection.status == ObjectionStatus.OPEN))
    if open_objections:
        raise NotAllowed(_l("还有 %(n)d 条异议没有答复。", n=open_objections))
    awarded = 0
    for award in db.session.scalars(select(Award).where(
            Award.round_id == round_.id, Award.status == AwardStatus.APPROVED)):
        award.status = AwardStatus.AWARDED
        award.awarded_at = now
        award.application.status = ApplicationStatus.AWARDED
        record("award.award", award, actor=actor, after={"awarded_at": now})
        awarded += 1
    for application in db.session.scalars(select(Application).where(
            Application.round_id == round_.id,
            Application.status == ApplicationStatus.WAITLISTED)):
        application.status = ApplicationStatus.REJECTED
    publicity.finalised_at = now
    publicity.finalised_by_id = actor.id
    round_.status = RoundStatus.DELIVERY
    record("round.finalise", round_, actor=actor, before={"status": "publicity"},
           after={"status": "delivery", "awarded": awarded})
    _mail_decisions(round_)
    return awarded


def _recipients(application: Application) -> list[User]:
    users = [m.user for m in application.organisation.memberships
             if m.role == MemberRole.OWNER]
    if application.created_by_id:
        creator = db.session.get(User, application.created_by_id)
        if creator is not None and creator not in users:
            users.append(creator)
    return users


def _mail_decisions(round_: Round) -> None:
    applications = db.session.scalars(select(Application).where(
        Application.round_id == round_.id,
        Application.status.in_((ApplicationStatus.AWARDED, ApplicationStatus.REJECTED)))
        .order_by(Application.id))
    for application in applications:
        award = db.session.scalar(select(Award).where(Award.application_id == application.id))
        for user in _recipients(application):
            queue_mail(user.email, "review_decision", user.locale, user=user,
                       application=application, round=round_,
                       awarded=application.status == ApplicationStatus.AWARDED,
                       amount=award.amount if award and application.status ==
                       ApplicationStatus.AWARDED else None,
                       feedback=application.feedback or "")
