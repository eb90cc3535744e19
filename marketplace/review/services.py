"""Review, decisions and 公示. Each function checks who and when, changes, audits and queues its
mail; none commits (the view or CLI commits once).

Standing conflicts (回避声明). A reviewer types an organisation's exact name or USCC on
/review/conflicts; `declare_conflict` stores what was typed (`ReviewerConflict.declared_as`)
without looking it up, and answers the same whether or not such an organisation exists, so the
page is no oracle of who is registered or who applied. The declaration is matched whenever it
matters (`excluded_pairs`, `conflicted_assignments`): against an organisation's name or USCC
now, including organisations that register after the declaration. Its effect:

- future assignments: automatic and manual assignment never give the reviewer a project of a
  matching organisation;
- existing assignments, only in rounds still in review and only where the review is not yet
  submitted (a submitted score changes only through the organizer's reopen): in an open
  (non-blind) round they are recused at once; in a blind round nothing visible happens for the
  reviewer, since a vanishing proposal would tell them whose it was. The organizer is told
  instead and sees on the round's page which assignments the declaration touches (submitted
  ones too), and reassigns;
- rounds past review (公示, delivery) are not touched.

Decisions lock in one order (docs/architecture.md, "Lock order for decisions") and re-read
the application under the lock, so of two overlapping decisions exactly one is made.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role, User, UserRole
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.applications.workflow import APPLICATION
from marketplace.audit.services import record
from marketplace.core.money import from_fen, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import to_local, utcnow
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.funds import services as funds
from marketplace.funds.models import LIVE_AWARD_STATUSES, Award, AwardStatus
from marketplace.funds.workflow import AWARD
from marketplace.notify.services import queue_mail
from marketplace.organisations.models import Membership, Organisation
from marketplace.organisations.uscc import is_valid_uscc, normalise_uscc
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
    PublicityListing,
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
from marketplace.review.workflow import ASSIGNMENT, OBJECTION, REVIEW, organizers
from marketplace.rounds import contributions
from marketplace.rounds.models import Pool, Round, RoundStatus
from marketplace.rounds.workflow import ROUND

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

def _default_settings(round_: Round) -> RoundReviewSettings:
    return RoundReviewSettings(round_id=round_.id, reviewers_per_application=3, blind=False,
                               others_scores=OthersScores.AFTER_OWN,
                               scoring_method=ScoringMethod.MEAN, disagreement_points=20)


def settings_for(round_: Round) -> RoundReviewSettings:
    """The round's review settings: its row, or until there is one (review starts, or the
    settings are first saved) the defaults, not stored — pages only read them."""
    return db.session.get(RoundReviewSettings, round_.id) or _default_settings(round_)


def stored_settings(round_: Round) -> RoundReviewSettings:
    """The round's settings row, made with the defaults if there is none yet (for changes)."""
    settings = db.session.get(RoundReviewSettings, round_.id)
    if settings is None:
        settings = _default_settings(round_)
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


def settings_frozen(round_: Round) -> bool:
    """Review settings hold from the start of review on: switching blind mode, the number of
    reviewers or the scoring method mid-review would change what reviewers saw or how the
    scores already given count."""
    settings = db.session.get(RoundReviewSettings, round_.id)
    return round_.status not in (RoundStatus.DRAFT, RoundStatus.OPEN) or bool(
        settings is not None and settings.review_started_at is not None)


def update_settings(round_: Round, data: SettingsData, actor: User) -> RoundReviewSettings:
    require(policy.can_manage_review(actor, round_))
    if not 1 <= data.reviewers_per_application <= 15:
        raise NotAllowed(_l("每个项目的评审专家人数应在 1 到 15 之间。"),
                         field="reviewers_per_application")
    if not 0 <= data.disagreement_points <= 100:
        raise NotAllowed(_l("分歧阈值应在 0 到 100 分之间。"), field="disagreement_points")
    # Under the round lock, so a change cannot slip in while the review is being started.
    funds.lock_in_order(round_.id)
    db.session.refresh(round_)
    if settings_frozen(round_):
        raise NotAllowed(_l("评审已经开始，评审设置（匿名评审、每个项目的专家人数、计分方法等）"
                            "不能再修改。"))
    settings = stored_settings(round_)
    before = {f: getattr(settings, f) for f in vars(data)}
    for name, value in vars(data).items():
        setattr(settings, name, value)
    record("review.settings", object_type="round", object_id=round_.id, actor=actor,
           before=before, after=vars(data))
    return settings


def _stored_round_rubric(round_: Round) -> Rubric | None:
    return db.session.scalar(select(Rubric).where(Rubric.round_id == round_.id,
                                                  Rubric.challenge_id.is_(None)))


def _default_rubric(round_: Round) -> Rubric:
    rubric = Rubric(round_id=round_.id, name="评分细则")
    for position, (name, weight, max_score, guidance) in enumerate(DEFAULT_CRITERIA):
        rubric.criteria.append(Criterion(position=position, name=name, weight=weight,
                                         max_score=max_score, guidance=guidance))
    return rubric


def round_rubric(round_: Round) -> Rubric:
    """The round's rubric: its row, or until there is one (review starts, or the rubric is
    first saved) the default criteria, not stored — pages only read them."""
    return _stored_round_rubric(round_) or _default_rubric(round_)


def stored_round_rubric(round_: Round) -> Rubric:
    """The round's rubric row, made with the default criteria if there is none yet (for
    changes, and for reviews, which keep the rubric they were scored by)."""
    rubric = _stored_round_rubric(round_)
    if rubric is None:
        rubric = _default_rubric(round_)
        db.session.add(rubric)
        db.session.flush()
    return rubric


def challenge_rubric(challenge) -> Rubric | None:
    return db.session.scalar(select(Rubric).where(Rubric.challenge_id == challenge.id))


@contributions.in_use_check("challenge", order=30)
def _challenge_has_a_rubric(challenge) -> str | None:
    """A challenge with its own rubric is not deleted (rounds asks before deleting one)."""
    return _l("这个命题有自己的评审细则，不能删除。") if challenge_rubric(challenge) else None


def _challenge_rubric_of(application: Application) -> Rubric | None:
    if not application.challenge_id:
        return None
    return db.session.scalar(select(Rubric).where(
        Rubric.challenge_id == application.challenge_id))


def rubric_for(application: Application) -> Rubric:
    """A bid is scored by its challenge's own rubric when it has one, else by the round's
    (see round_rubric: the defaults, not stored, until there is a row)."""
    return _challenge_rubric_of(application) or round_rubric(application.round)


def stored_rubric_for(application: Application) -> Rubric:
    """rubric_for, stored: what a review is saved against."""
    return _challenge_rubric_of(application) or stored_round_rubric(application.round)


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
        rubric = stored_round_rubric(round_)
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

def _declared_form(name_or_uscc: str) -> str:
    """What a declaration is stored and matched as: a valid USCC in the form organisations
    store it, anything else as a name is stored (NFKC, trimmed)."""
    text = unicodedata.normalize("NFKC", name_or_uscc or "").strip()
    code = normalise_uscc(text)
    return code if is_valid_uscc(code) else text[:120]


def _matches_declaration(declared_as):
    """SQL condition: the organisation is the one a declaration names (by name or USCC)."""
    return or_(Organisation.name == declared_as, Organisation.uscc == declared_as)


def declare_conflict(reviewer: User, name_or_uscc: str, note: str = "") -> ReviewerConflict:
    """A reviewer declares an organisation they belong to or advise (see the module
    docstring): never assigned its projects again; unsubmitted assignments in rounds under
    review are recused (open rounds) or shown to the organizer (blind rounds)."""
    if not policy.is_reviewer(reviewer):
        raise NotAllowed(_l("只有评审专家可以申报回避。"))
    declared = _declared_form(name_or_uscc)
    if not declared:
        raise NotAllowed(_l("请填写组织名称或统一社会信用代码。"), field="organisation")
    conflict = db.session.scalar(select(ReviewerConflict).where(
        ReviewerConflict.reviewer_id == reviewer.id,
        ReviewerConflict.declared_as == declared))
    if conflict is None:
        conflict = ReviewerConflict(reviewer_id=reviewer.id, declared_as=declared,
                                    note=(note or "").strip()[:200])
        db.session.add(conflict)
        db.session.flush()
        record("review.conflict_declare", conflict, actor=reviewer,
               after={"declared_as": declared})
    _apply_to_assignments(reviewer, conflict)
    return conflict


def _apply_to_assignments(reviewer: User, conflict: ReviewerConflict) -> None:
    touched = db.session.scalars(
        select(ReviewAssignment)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .join(Round, Round.id == ReviewAssignment.round_id)
        .where(ReviewAssignment.reviewer_id == reviewer.id,
               ReviewAssignment.status == AssignmentStatus.ACTIVE,
               Round.status == RoundStatus.REVIEWING,
               _matches_declaration(conflict.declared_as))
        .options(selectinload(ReviewAssignment.review))
        .order_by(ReviewAssignment.id)).all()
    for_organizer: dict[int, list[ReviewAssignment]] = {}
    for assignment in touched:
        submitted = assignment.review is not None and \
            assignment.review.status == ReviewStatus.SUBMITTED
        if submitted or policy.is_blind(assignment.round_id):
            for_organizer.setdefault(assignment.round_id, []).append(assignment)
        else:
            _recuse(assignment, _l("申报了与该组织的利益关系"), reviewer)
    for round_id, assignments in for_organizer.items():
        round_ = db.session.get(Round, round_id)
        link = _link("review.manage_round", round_id=round_id)
        groups = {a.application.organisation_id for a in assignments}
        for organizer in organizers(outside=groups):
            queue_mail(organizer.email, "review_conflict", organizer.locale, reviewer=reviewer,
                       round=round_, count=len(assignments),
                       declared_as=conflict.declared_as, link=link)


def withdraw_conflict(reviewer: User, conflict: ReviewerConflict) -> None:
    if conflict.reviewer_id != reviewer.id:
        raise NotAllowed(_l("找不到这条回避声明。"))
    record("review.conflict_withdraw", conflict, actor=reviewer,
           before={"declared_as": conflict.declared_as})
    db.session.delete(conflict)


def excluded_pairs(reviewer_ids: list[int]) -> set[tuple[int, int]]:
    """(reviewer_id, organisation_id): declared conflicts and the reviewers' own groups."""
    pairs = set(db.session.execute(
        select(ReviewerConflict.reviewer_id, Organisation.id)
        .join(Organisation, _matches_declaration(ReviewerConflict.declared_as))
        .where(ReviewerConflict.reviewer_id.in_(reviewer_ids))))
    pairs |= set(db.session.execute(
        select(Membership.user_id, Membership.organisation_id)
        .where(Membership.user_id.in_(reviewer_ids))))
    return pairs


def conflicted_assignments(round_id: int) -> list[tuple[ReviewAssignment, str]]:
    """Active assignments of the round whose reviewer has declared a conflict with the
    applying organisation, with what they declared: the organizer's to resolve."""
    rows = db.session.execute(
        select(ReviewAssignment, ReviewerConflict.declared_as)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .join(ReviewerConflict, and_(ReviewerConflict.reviewer_id == ReviewAssignment.reviewer_id,
                                     _matches_declaration(ReviewerConflict.declared_as)))
        .where(ReviewAssignment.round_id == round_id,
               ReviewAssignment.status == AssignmentStatus.ACTIVE)
        .options(selectinload(ReviewAssignment.reviewer), selectinload(ReviewAssignment.review),
                 selectinload(ReviewAssignment.application))
        .order_by(ReviewAssignment.id, ReviewerConflict.id)).all()
    # A reviewer may have declared the same organisation by name and by USCC: list it once.
    once: dict[int, tuple[ReviewAssignment, str]] = {}
    for assignment, declared in rows:
        once.setdefault(assignment.id, (assignment, declared))
    return list(once.values())


# --- starting review and assigning ------------------------------------------------------------

def start_review(round_: Round, actor: User, now: datetime | None = None) -> int:
    """open → reviewing after the deadline; submitted applications go into review."""
    require(policy.can_manage_review(actor, round_))
    now = now or utcnow()
    # A double click starts once; a settings change waits (settings freeze from here on).
    funds.lock_in_order(round_.id)
    db.session.refresh(round_)
    if round_.status != RoundStatus.OPEN:
        raise NotAllowed(_l("只有征集中的年度项目可以开始评审。"))
    if round_.deadline_at is None or now <= round_.deadline_at:
        raise NotAllowed(_l("申报截止之后才能开始评审。"))
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


class AutoAssignOutcome(NamedTuple):
    made: int                   # assignments made
    short: dict[int, int]       # application_id -> reviewers still missing
    left_to_others: int         # projects of the organizer's own groups, not touched


def auto_assign(round_: Round, actor: User) -> AutoAssignOutcome:
    """Give every application in review k reviewers. Projects of a group the organizer
    belongs to are left for a colleague (policy.can_assign_reviewers)."""
    require(policy.can_manage_review(actor, round_))
    _require_reviewing(round_)
    k = settings_for(round_).reviewers_per_application
    own = policy.member_organisation_ids(actor)
    apps = db.session.execute(select(Application.id, Application.organisation_id).where(
        Application.round_id == round_.id,
        Application.status == ApplicationStatus.IN_REVIEW)).all()
    left_to_others = sum(1 for _, org_id in apps if org_id in own)
    apps = [(app_id, org_id) for app_id, org_id in apps if org_id not in own]
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
           after={"made": len(plan.pairs), "short": plan.short,
                  "left_to_others": left_to_others})
    return AutoAssignOutcome(len(plan.pairs), plan.short, left_to_others)


def _assign(round_id: int, application_id: int, reviewer_id: int, actor: User
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


def add_assignment(application: Application, reviewer: User, actor: User) -> ReviewAssignment:
    """Manual assignment by the organizer; conflicts and own groups are refused."""
    require(policy.can_assign_reviewers(actor, application))
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
    if current is None:  # assigning a removed one again is its move's audit entry
        record("review.assign", assignment, actor=actor,
               after={"application_id": application.id, "reviewer_id": reviewer.id})
    return assignment


def remove_assignment(assignment: ReviewAssignment, actor: User) -> None:
    require(policy.can_assign_reviewers(actor, assignment.application))
    _require_reviewing(assignment.application.round)
    if assignment.review is not None and assignment.review.status == ReviewStatus.SUBMITTED:
        raise NotAllowed(_l("专家已提交评分，不能撤销分配。"))
    ASSIGNMENT.move(actor, assignment, AssignmentStatus.REMOVED,
                    audit={"application_id": assignment.application_id,
                           "reviewer_id": assignment.reviewer_id})


def _recuse(assignment: ReviewAssignment, note: str, actor: User) -> None:
    assignment.recused_at = utcnow()
    assignment.recusal_note = str(note)
    ASSIGNMENT.move(actor, assignment, AssignmentStatus.RECUSED,
                    audit={"application_id": assignment.application_id})


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


def _draft_review(assignment: ReviewAssignment) -> Review:
    """The reviewer's review of the assignment, made (empty, draft) on its first save: opening
    the proposal shows an empty score form from the rubric and stores nothing."""
    if assignment.review is None:
        rubric = stored_rubric_for(assignment.application)
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
    review = _draft_review(assignment)
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
        review.submitted_at = utcnow()
        REVIEW.move(actor, review, ReviewStatus.SUBMITTED,
                    audit={"application_id": application.id, "total": review.total})
    db.session.flush()
    if not submit:
        record("review.save_draft", review, actor=actor,
               after={"application_id": application.id, "total": review.total,
                      "status": review.status})
    return review


def reopen_review(review: Review, reason: str, actor: User) -> Review:
    """Only the organizer reopens a submitted review, with a recorded reason."""
    require(policy.can_reopen_review(actor, review))
    _require_reviewing(review.assignment.application.round)
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed(_l("请填写重新开放的理由。"), field="reason")
    if review.status != ReviewStatus.SUBMITTED:
        raise NotAllowed(_l("这份评分还没有提交。"))
    review.total = None
    review.reopened_at = utcnow()
    review.reopen_reason = reason
    REVIEW.move(actor, review, ReviewStatus.DRAFT, audit={"reason": reason})
    return review


def others_visible(assignment: ReviewAssignment) -> bool:
    """Others' scores on this proposal: only after one's own is submitted, or never."""
    settings = settings_for(assignment.application.round)
    if settings.others_scores == OthersScores.NEVER:
        return False
    return assignment.review is not None and assignment.review.status == ReviewStatus.SUBMITTED


# --- decisions ---------------------------------------------------------------------------------
# Every decision on an application takes the same locks in the same order, round → pool →
# challenge → award → application (funds.lock_in_order), then re-reads what it depends on.
# The round lock comes first for all of them, so two decisions on one round never overlap; the
# later one sees the earlier one's result and is refused instead of overwriting it.

def _lock_for_decision(application: Application, pool: Pool | None = None) -> None:
    """Lock for a decision on the application and re-read it and its round. Refused when
    someone else decided on it since it was loaded for this request."""
    seen = application.status
    award = db.session.execute(select(Award.id, Award.pool_id).where(
        Award.application_id == application.id)).first()
    chosen = pool.id if pool is not None and pool.round_id == application.round_id else None
    funds.lock_in_order(
        application.round_id,
        pool_ids=[application.pool_id, chosen, award.pool_id if award else None],
        challenge_ids=[application.challenge_id], award_ids=[award.id if award else None],
        application_ids=[application.id])
    db.session.refresh(application)
    db.session.refresh(application.round)
    if application.status != seen:
        raise NotAllowed(_l("这个项目刚刚已被作出决定，请刷新页面。"))


def _require_decidable(application: Application) -> None:
    """Timing and state of a decision, read under the decision locks."""
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
                        pool: Pool | None = None, feedback: str = "",
                        now: datetime | None = None) -> Award:
    """立项决定: an amount (> 0, ≤ requested) committed against the pool (default: the
    application's pool). Refused when the money does not fit (funds.commit_award). A
    waitlisted project approved during the 公示 is listed with an objection period of its own."""
    require(policy.can_decide(actor, application))
    pool = pool or application.pool
    if amount is None or amount <= 0:
        raise NotAllowed(_l("立项金额必须大于零。"), field="amount")
    if to_fen(amount) > application.requested_fen:
        raise NotAllowed(_l("立项金额不能超过申请金额 %(req)s。",
                            req=from_fen(application.requested_fen)), field="amount")
    _lock_for_decision(application, pool)
    _require_decidable(application)
    award = funds.commit_award(application, pool, amount, actor)
    APPLICATION.move(actor, application, ApplicationStatus.APPROVED,
                     audit={"amount": amount, "award_id": award.id})
    application.pool_id = pool.id if pool else application.pool_id
    if feedback.strip():
        application.feedback = feedback.strip()
    if application.round.status == RoundStatus.PUBLICITY:
        _list_late_approval(award, application.round, now or utcnow(), actor)
    return award


def _decide_without_money(application: Application, feedback: str, actor: User,
                          status: ApplicationStatus) -> None:
    require(policy.can_decide(actor, application))
    feedback = (feedback or "").strip()
    if status == ApplicationStatus.REJECTED and not feedback:
        raise NotAllowed(_l("请填写给申报团队的反馈意见。"), field="feedback")
    _lock_for_decision(application)
    _require_decidable(application)
    if status == application.status == ApplicationStatus.WAITLISTED:
        raise NotAllowed(_l("这个项目已在候补名单上。"))
    APPLICATION.move(actor, application, status, audit={"feedback": feedback})
    if feedback:
        application.feedback = feedback


def reject_application(application: Application, feedback: str, actor: User) -> None:
    _decide_without_money(application, feedback, actor, ApplicationStatus.REJECTED)


def waitlist_application(application: Application, feedback: str, actor: User) -> None:
    _decide_without_money(application, feedback, actor, ApplicationStatus.WAITLISTED)


# --- 公示 -----------------------------------------------------------------------------------

def publicity_of(round_: Round) -> Publicity | None:
    return db.session.scalar(select(Publicity).where(Publicity.round_id == round_.id))


def approved_awards(round_: Round) -> list[Award]:
    return list(db.session.scalars(
        select(Award).join(Application, Application.id == Award.application_id)
        .where(Award.round_id == round_.id,
               Award.status.in_(LIVE_AWARD_STATUSES))
        .options(selectinload(Award.application).selectinload(Application.organisation),
                 selectinload(Award.pool))
        .order_by(Award.pool_id, Application.title, Award.id)))


def listings(round_: Round) -> dict[int, PublicityListing]:
    """{award_id: listing} of the round's 公示."""
    return {listing.award_id: listing for listing in db.session.scalars(
        select(PublicityListing).join(Publicity, Publicity.id == PublicityListing.publicity_id)
        .where(Publicity.round_id == round_.id))}


def _list_late_approval(award: Award, round_: Round, now: datetime, actor: User) -> None:
    """A project approved during the 公示 is public from now (or the 公示's start) for a full
    period of its own: objections to it are accepted until then, and finalising waits."""
    publicity = publicity_of(round_)
    listed_at = max(now, publicity.starts_at)
    listing = PublicityListing(publicity_id=publicity.id, award_id=award.id, listed_at=listed_at,
                               objections_until=listed_at
                               + timedelta(days=round_.publicity_days or 7))
    db.session.add(listing)
    db.session.flush()
    record("publicity.list", award, actor=actor,
           after={"listed_at": listing.listed_at, "objections_until": listing.objections_until})


def publish_publicity(round_: Round, actor: User, starts_at: datetime | None = None,
                      now: datetime | None = None) -> Publicity:
    """reviewing → publicity: approvals are listed publicly for the round's publicity_days."""
    require(policy.can_manage_review(actor, round_))
    now = now or utcnow()
    # Under the round lock: no decision can slip in between the count below and the listing.
    funds.lock_in_order(round_.id)
    db.session.refresh(round_)
    _require_reviewing(round_)
    undecided = db.session.scalar(select(func.count(Application.id)).where(
        Application.round_id == round_.id, Application.status == ApplicationStatus.IN_REVIEW))
    if undecided:
        raise NotAllowed(_l("还有 %(n)d 个项目没有作出决定。", n=undecided))
    awards = approved_awards(round_)
    if not awards:
        raise NotAllowed(_l("还没有拟立项的项目，无法公示。"))
    require(policy.can_list_approvals(actor, round_,
                                      {a.application.organisation_id for a in awards}))
    starts_at = starts_at or now
    if starts_at < now - timedelta(days=1):
        raise NotAllowed(_l("公示开始时间不能早于今天。"), field="starts_at")
    publicity = Publicity(round_id=round_.id, starts_at=starts_at,
                          ends_at=starts_at + timedelta(days=round_.publicity_days or 7),
                          published_at=now, published_by_id=actor.id)
    db.session.add(publicity)
    db.session.flush()
    for award in awards:
        db.session.add(PublicityListing(publicity_id=publicity.id, award_id=award.id,
                                        listed_at=publicity.starts_at,
                                        objections_until=publicity.ends_at))
    ROUND.move(actor, round_, RoundStatus.PUBLICITY,
               audit={"starts_at": starts_at, "ends_at": publicity.ends_at})
    return publicity


@dataclass
class ObjectionData:
    application_id: int | None
    name: str
    contact: str
    text: str


# Receipts mailed to one address per day, however many objections name it: the objection
# form is anonymous, so the address may be someone else's.
RECEIPTS_PER_ADDRESS_PER_DAY = 3


def _open_listing(round_: Round, application_id: int | None) -> PublicityListing | None:
    return db.session.scalar(
        select(PublicityListing).join(Award, Award.id == PublicityListing.award_id)
        .where(Award.round_id == round_.id, Award.application_id == application_id,
               Award.status == AwardStatus.APPROVED))


def file_objection(round_: Round, data: ObjectionData, ip: str | None = None,
                   now: datetime | None = None) -> Objection:
    """Anyone may object to a listed project while its 公示 period is open."""
    now = now or utcnow()
    publicity = publicity_of(round_)
    if round_.status != RoundStatus.PUBLICITY or publicity is None \
            or publicity.finalised_at is not None:
        raise NotAllowed(_l("不在公示期内，不能提出异议。"))
    listing = _open_listing(round_, data.application_id)
    if listing is None:
        raise NotAllowed(_l("请选择公示名单中的项目。"), field="application_id")
    if not listing.is_open_at(now):
        raise NotAllowed(_l("不在公示期内，不能提出异议。"))
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
        _mail_receipt(objection, round_)
    link = _link("review.objections", round_id=round_.id)
    group = objection.application.organisation_id if objection.application else None
    for organizer in organizers(outside={group} - {None}):
        queue_mail(organizer.email, "objection_filed", organizer.locale, objection=objection,
                   round=round_, link=link)
    return objection


def _mail_receipt(objection: Objection, round_: Round) -> None:
    """A neutral receipt: the address was typed by whoever filed the objection and is not
    confirmed, so the mail carries nothing they chose (no name, no text, no title) — only the
    reference and the 公示 page — and an address gets only a few a day."""
    queue_mail(objection.contact, "objection_received", None,
               daily_cap=RECEIPTS_PER_ADDRESS_PER_DAY, reference=objection.reference,
               link=_link("review.publicity", round_id=round_.id))


def _lock_objection(objection: Objection, actor: User, reply: str) -> str:
    """Permission, the reply, the decision locks (for the project objected to), and the
    objection and round re-read under them."""
    require(policy.can_answer_objection(actor, objection))
    reply = (reply or "").strip()
    if not reply:
        raise NotAllowed(_l("请填写答复内容。"), field="reply")
    if objection.status != ObjectionStatus.OPEN:
        raise NotAllowed(_l("这条异议已经答复。"))
    if objection.application is not None:
        _lock_for_decision(objection.application)
    else:
        funds.lock_in_order(objection.round_id)
    db.session.refresh(objection)
    if objection.status != ObjectionStatus.OPEN:
        raise NotAllowed(_l("这条异议刚刚已被答复，请刷新页面。"))
    round_ = db.session.get(Round, objection.round_id)
    db.session.refresh(round_)
    if round_.status != RoundStatus.PUBLICITY:
        raise NotAllowed(_l("年度项目不在公示阶段，不能再答复异议。"))
    return reply


def dismiss_objection(objection: Objection, reply: str, actor: User) -> None:
    reply = _lock_objection(objection, actor, reply)
    objection.reply = reply
    objection.answered_at = utcnow()
    objection.answered_by_id = actor.id
    OBJECTION.move(actor, objection, ObjectionStatus.DISMISSED, audit={"reply": reply})


def uphold_objection(objection: Objection, reply: str, actor: User) -> None:
    """The approval is withdrawn: award withdrawn, DECOMMIT entry, money back to the pool.
    The next on the waiting list may then be approved (approve_application)."""
    reply = _lock_objection(objection, actor, reply)
    application = objection.application
    award = None if application is None else db.session.scalar(
        select(Award).where(Award.application_id == application.id)
        .execution_options(populate_existing=True))
    if award is None or award.status != AwardStatus.APPROVED:
        raise NotAllowed(_l("这个项目没有待公示的立项，无法撤销。"))
    funds.decommit_award(award, f"异议成立：{reply}", actor)
    objection.reply = reply
    objection.answered_at = utcnow()
    objection.answered_by_id = actor.id
    OBJECTION.move(actor, objection, ObjectionStatus.UPHELD,
                   audit={"reply": reply, "award_id": award.id})
    APPLICATION.move(actor, application, ApplicationStatus.REJECTED)
    application.feedback = reply


def objections_end(round_: Round, publicity: Publicity) -> datetime:
    """When the last listed project's objection period ends (late approvals run longer)."""
    ends = [listing.objections_until for listing in db.session.scalars(
        select(PublicityListing).join(Award, Award.id == PublicityListing.award_id)
        .where(PublicityListing.publicity_id == publicity.id,
               Award.status == AwardStatus.APPROVED))]
    return max([publicity.ends_at, *ends])


def finalise_round(round_: Round, actor: User, now: datetime | None = None) -> int:
    """After the 公示, every objection answered: approvals become awards (立项), the round
    moves to delivery, every applicant is e-mailed the decision with the feedback."""
    require(policy.can_manage_review(actor, round_))
    now = now or utcnow()
    # The round first, as every decision: a double click finalises once, and no decision or
    # answer can run alongside. The awards and applications it changes are locked after it.
    funds.lock_in_order(round_.id)
    db.session.refresh(round_)
    publicity = publicity_of(round_)
    if round_.status != RoundStatus.PUBLICITY or publicity is None:
        raise NotAllowed(_l("年度项目不在公示阶段。"))
    awards = db.session.scalars(
        select(Award).where(Award.round_id == round_.id, Award.status == AwardStatus.APPROVED)
        .options(selectinload(Award.application))
        .execution_options(populate_existing=True).order_by(Award.id)).all()
    require(policy.can_list_approvals(actor, round_,
                                      {a.application.organisation_id for a in awards}))
    end = objections_end(round_, publicity)
    if now <= end:
        raise NotAllowed(_l("公示期到 %(end)s 结束，之后才能确认立项。",
                            end=to_local(end).strftime("%Y-%m-%d %H:%M")))
    open_objections = db.session.scalar(select(func.count(Objection.id)).where(
        Objection.round_id == round_.id, Objection.status == ObjectionStatus.OPEN))
    if open_objections:
        raise NotAllowed(_l("还有 %(n)d 条异议没有答复。", n=open_objections))
    waitlisted = db.session.scalars(select(Application).where(
        Application.round_id == round_.id,
        Application.status == ApplicationStatus.WAITLISTED)
        .execution_options(populate_existing=True).order_by(Application.id)).all()
    funds.lock_in_order(round_.id, pool_ids=[a.pool_id for a in awards],
                        challenge_ids=[a.application.challenge_id for a in awards],
                        award_ids=[a.id for a in awards],
                        application_ids=[a.application_id for a in awards]
                        + [a.id for a in waitlisted])
    awarded = 0
    for award in awards:
        award.awarded_at = now
        AWARD.move(actor, award, AwardStatus.AWARDED, audit={"awarded_at": now})
        APPLICATION.move(actor, award.application, ApplicationStatus.AWARDED)
        awarded += 1
    # Projects still waiting were not funded: the end of the 公示 closes them (its check is
    # can_list_approvals above), also one of a group the organizer belongs to, which they
    # could not decide on one by one.
    APPLICATION.move_all(actor, waitlisted, ApplicationStatus.REJECTED, check=False,
                         audit={"round_finalised": True})
    publicity.finalised_at = now
    publicity.finalised_by_id = actor.id
    # Its mail hook tells every applicant in review the decision (review.workflow).
    ROUND.move(actor, round_, RoundStatus.DELIVERY, audit={"awarded": awarded})
    return awarded

