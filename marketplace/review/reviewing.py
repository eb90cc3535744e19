"""A reviewer's work: the score form saved as a draft and submitted, reopened by the organizer;
when others' scores may be seen."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import format_local, utcnow
from marketplace.extensions import db
from marketplace.review import policy
from marketplace.review.assigning import require_reviewing, review_closed
from marketplace.review.models import (
    OthersScores,
    Review,
    ReviewAssignment,
    ReviewScore,
    ReviewStatus,
)
from marketplace.review.rules import settings_for, stored_rubric_for
from marketplace.review.scoring import weighted_total
from marketplace.review.workflow import REVIEW


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


def save_review(actor: User, assignment: ReviewAssignment, scores: list[ScoreData],
                overall_comment: str, submit: bool = False,
                now: datetime | None = None) -> Review:
    """Save the score form as a draft, or submit it (every criterion scored, within 0..max)."""
    application = assignment.application
    require(policy.can_score(actor, application))
    if assignment.reviewer_id != actor.id:
        raise NotAllowed(_l("你没有被分配评审这个项目。"))
    require_reviewing(application.round)
    if review_closed(application.round, now):
        when = format_local(application.round.review_ends_at)
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
            names = str(_l("、")).join(c.name for c in missing)  # "a、b"; in English "a, b"
            raise NotAllowed(_l("提交前请为每一项打分（还缺：%(names)s）。", names=names),
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


def reopen_review(actor: User, review: Review, reason: str) -> Review:
    """Only the organizer reopens a submitted review, with a recorded reason."""
    require(policy.can_reopen_review(actor, review))
    require_reviewing(review.assignment.application.round)
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
