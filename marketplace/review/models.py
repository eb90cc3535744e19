"""Expert review (评审), decisions' settings and 公示 with objections (异议).

Rubric (评分细则) → Criterion; reviewers' standing conflicts (回避); ReviewAssignment (who
reviews what); Review with one ReviewScore per criterion; RoundReviewSettings (1:1 with Round);
Publicity (公示 record, 1:1 with Round) and Objection.
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models import enum_column
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db

# 公益性 20, 创新性 20, 可行性 25, 社会效益 20, 可持续与可推广性 15: (name, weight, max, guidance)
DEFAULT_CRITERIA = [
    ("公益性", 20, 20, "项目是否面向公共利益，服务对象是否明确、需求是否真实。"),
    ("创新性", 20, 20, "服务内容、方式或机制是否有新意。"),
    ("可行性", 25, 25, "计划、团队、预算是否合理可行。"),
    ("社会效益", 20, 20, "预期受益人数、服务成效和社会影响。"),
    ("可持续与可推广性", 15, 15, "项目能否持续运作、能否在其他地方推广。"),
]


class Rubric(db.Model):
    """A round's rubric; a challenge may have its own for its bids (challenge_id set)."""

    __tablename__ = "rubric"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenge.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="rubric", order_by="Criterion.position", cascade="all, delete-orphan")


class Criterion(db.Model):
    """Scored 0..max_score; contributes score / max_score × weight to a total out of 100."""

    __tablename__ = "criterion"
    __table_args__ = (CheckConstraint("max_score > 0", name="max_positive"),
                      CheckConstraint("weight >= 0", name="weight_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(60))
    guidance: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int]
    max_score: Mapped[int]

    rubric: Mapped[Rubric] = relationship(back_populates="criteria")


class ReviewerConflict(db.Model):
    """A reviewer's standing conflict: what they typed, an organisation's exact name or USCC.

    Stored as typed, not resolved to an organisation, so that declaring tells the reviewer
    nothing about which organisations exist, and so that it also covers an organisation
    that registers later under that name or code. `conflicts.excluded_pairs` matches it.
    """

    __tablename__ = "reviewer_conflict"
    __table_args__ = (UniqueConstraint("reviewer_id", "declared_as"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                             index=True)
    # Trimmed; a USCC-shaped entry is upper-cased (codes are stored upper-case).
    declared_as: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssignmentStatus(str, enum.Enum):
    ACTIVE = "active"
    RECUSED = "recused"    # the reviewer declared a conflict on this proposal
    REMOVED = "removed"    # the organizer took it away

    @property
    def label(self) -> str:
        return str({AssignmentStatus.ACTIVE: _l("评审中"), AssignmentStatus.RECUSED: _l("已回避"),
                    AssignmentStatus.REMOVED: _l("已撤销")}[self])

    @property
    def tone(self) -> str:
        """Its badge colour, a Bootstrap contextual name (templates/_macros.html status_badge)."""
        return {AssignmentStatus.ACTIVE: "info", AssignmentStatus.RECUSED: "warning",
                AssignmentStatus.REMOVED: "secondary"}[self]


class ReviewAssignment(db.Model):
    __tablename__ = "review_assignment"
    __table_args__ = (UniqueConstraint("application_id", "reviewer_id"),
                      Index("ix_review_assignment_reviewer_status", "reviewer_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    status: Mapped[AssignmentStatus] = mapped_column(enum_column(AssignmentStatus),
                                                     default=AssignmentStatus.ACTIVE)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recused_at: Mapped[datetime | None]
    recusal_note: Mapped[str | None] = mapped_column(Text)

    application = relationship("Application")
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    review: Mapped[Review | None] = relationship(back_populates="assignment", uselist=False)


class ReviewStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        return str(_l("草稿") if self is ReviewStatus.DRAFT else _l("已提交"))

    @property
    def tone(self) -> str:
        """Its badge colour, a Bootstrap contextual name (templates/_macros.html status_badge)."""
        return "warning" if self is ReviewStatus.DRAFT else "success"


class Review(db.Model):
    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("review_assignment.id", ondelete="CASCADE"), unique=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id"))
    status: Mapped[ReviewStatus] = mapped_column(enum_column(ReviewStatus),
                                                 default=ReviewStatus.DRAFT)
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    # Weighted total out of 100, kept when submitted (scores are the source).
    total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    submitted_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None]
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    assignment: Mapped[ReviewAssignment] = relationship(back_populates="review")
    rubric: Mapped[Rubric] = relationship()
    scores: Mapped[list[ReviewScore]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewScore.id")


class ReviewScore(db.Model):
    __tablename__ = "review_score"
    __table_args__ = (UniqueConstraint("review_id", "criterion_id"),
                      CheckConstraint("score >= 0", name="score_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"),
                                           index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    comment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class ScoringMethod(str, enum.Enum):
    MEAN = "mean"
    TRIMMED_MEAN = "trimmed_mean"  # 去掉一个最高分和一个最低分 (≥ 5 reviews)
    ZSCORE = "zscore"              # mean of per-reviewer z-scores

    @property
    def label(self) -> str:
        return str({ScoringMethod.MEAN: _l("平均分"),
                    ScoringMethod.TRIMMED_MEAN: _l("去掉最高分和最低分后的平均分"),
                    ScoringMethod.ZSCORE: _l("标准分（z 分数）平均")}[self])


class OthersScores(str, enum.Enum):
    AFTER_OWN = "after_own"  # visible once the reviewer submitted their own
    NEVER = "never"


class RoundReviewSettings(db.Model):
    """Review settings of a round (1:1), kept apart so the round table stays the rounds'."""

    __tablename__ = "round_review_settings"
    __table_args__ = (CheckConstraint("reviewers_per_application >= 1", name="k_positive"),)

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"),
                                          primary_key=True)
    reviewers_per_application: Mapped[int] = mapped_column(default=3)
    blind: Mapped[bool] = mapped_column(default=False)
    others_scores: Mapped[OthersScores] = mapped_column(enum_column(OthersScores),
                                                        default=OthersScores.AFTER_OWN)
    scoring_method: Mapped[ScoringMethod] = mapped_column(enum_column(ScoringMethod),
                                                          default=ScoringMethod.MEAN)
    disagreement_points: Mapped[int] = mapped_column(default=20)
    review_started_at: Mapped[datetime | None]

    round = relationship("Round")


class Publicity(db.Model):
    """公示 of a round's approvals: public from starts_at to ends_at (publicity_days later)."""

    __tablename__ = "publicity"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"),
                                          unique=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    finalised_at: Mapped[datetime | None]
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    round = relationship("Round")


class PublicityListing(db.Model):
    """One award on the 公示 list: when it was listed and until when objections to it are
    accepted. Awards approved before the 公示 share its period; a waitlisted project
    approved during the 公示 gets a full period of its own from the moment it is listed,
    and the round is not finalised before every listed award's period has ended."""

    __tablename__ = "publicity_listing"

    id: Mapped[int] = mapped_column(primary_key=True)
    publicity_id: Mapped[int] = mapped_column(ForeignKey("publicity.id", ondelete="CASCADE"),
                                              index=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"),
                                          unique=True)
    listed_at: Mapped[datetime]
    objections_until: Mapped[datetime]

    def is_open_at(self, now: datetime) -> bool:
        return self.listed_at <= now <= self.objections_until


class ObjectionStatus(str, enum.Enum):
    OPEN = "open"
    DISMISSED = "dismissed"
    UPHELD = "upheld"

    @property
    def label(self) -> str:
        return str({ObjectionStatus.OPEN: _l("待答复"), ObjectionStatus.DISMISSED: _l("不成立"),
                    ObjectionStatus.UPHELD: _l("成立")}[self])

    @property
    def tone(self) -> str:
        """Its badge colour, a Bootstrap contextual name (templates/_macros.html status_badge)."""
        return {ObjectionStatus.OPEN: "warning", ObjectionStatus.DISMISSED: "secondary",
                ObjectionStatus.UPHELD: "danger"}[self]


class Objection(db.Model):
    """异议: filed by anyone during 公示, answered by the organizer."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    contact: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ObjectionStatus] = mapped_column(enum_column(ObjectionStatus),
                                                    default=ObjectionStatus.OPEN, index=True)
    reply: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application = relationship("Application")

    @property
    def reference(self) -> str:
        return f"YY{self.created_at:%Y%m%d}-{self.id:04d}"
