"""Round (创投集市 / 年度项目), Pool (资金池) and Challenge (命题 / 揭榜).

Money columns are integer fen (`*_fen`); code works in Decimal yuan via core.money.
Datetimes are naive UTC; the round's time zone is Asia/Shanghai (core.timeutil).
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models import enum_column
from marketplace.core.money import Fen, from_fen
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db

DEFAULT_CATEGORIES = [
    "文明创建", "关爱帮扶", "理论宣讲", "党史教育", "为民服务", "生态环保", "其他",
]


class BudgetCategory(str, enum.Enum):
    """预算明细的费用类别; a round may cap each one's share of the total."""

    PERSONNEL = "personnel"
    MATERIALS = "materials"
    PUBLICITY = "publicity"
    TRANSPORT = "transport"
    VENUE = "venue"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(BUDGET_CATEGORY_LABELS[self])


BUDGET_CATEGORY_LABELS = {
    BudgetCategory.PERSONNEL: _l("人员费"),
    BudgetCategory.MATERIALS: _l("物资费"),
    BudgetCategory.PUBLICITY: _l("宣传费"),
    BudgetCategory.TRANSPORT: _l("交通费"),
    BudgetCategory.VENUE: _l("场地费"),
    BudgetCategory.OTHER: _l("其他"),
}


class RoundStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    REVIEWING = "reviewing"
    PUBLICITY = "publicity"
    DELIVERY = "delivery"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(ROUND_STATUS_LABELS[self])

    @property
    def tone(self) -> str:
        """Its badge colour, a Bootstrap contextual name (templates/_macros.html status_badge)."""
        return ROUND_STATUS_TONES[self]


ROUND_STATUS_LABELS = {
    RoundStatus.DRAFT: _l("草稿"),
    RoundStatus.OPEN: _l("征集中"),
    RoundStatus.REVIEWING: _l("评审中"),
    RoundStatus.PUBLICITY: _l("公示中"),
    RoundStatus.DELIVERY: _l("实施中"),
    RoundStatus.CLOSED: _l("已结束"),
}

ROUND_STATUS_TONES = {
    RoundStatus.DRAFT: "secondary",
    RoundStatus.OPEN: "success",
    RoundStatus.REVIEWING: "info",
    RoundStatus.PUBLICITY: "warning",
    RoundStatus.DELIVERY: "primary",
    RoundStatus.CLOSED: "dark",
}


class TrancheGate(str, enum.Enum):
    """When a tranche of an award may be released."""

    ON_AWARD = "on_award"
    AFTER_AGREEMENT = "after_agreement"    # after the project agreement (项目协议书) is signed
    AFTER_REPORT = "after_report"          # after the mid-term progress report is approved
    AFTER_MIDTERM = "after_midterm"        # after the mid-term evaluation (中期评估) passes
    AFTER_ACCEPTANCE = "after_acceptance"  # after 验收


class Round(db.Model):
    __tablename__ = "round"
    __table_args__ = (CheckConstraint("total_budget_fen >= 0", name="budget_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Markdown as the organizer typed it; shown rendered and sanitised (rounds/markdown.py).
    introduction: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RoundStatus] = mapped_column(enum_column(RoundStatus), default=RoundStatus.DRAFT,
                                                index=True)
    total_budget_fen: Mapped[Fen] = mapped_column(default=0)
    # Dates, naive UTC. Applications are accepted while opens_at <= now <= deadline_at.
    opens_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    review_ends_at: Mapped[datetime | None]
    publicity_days: Mapped[int] = mapped_column(default=7)
    delivery_ends_at: Mapped[datetime | None]
    categories: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_CATEGORIES))
    # 主题 (e.g. 文明创建): cross-category tags an application may carry any of; counted
    # apart in the statistics (by_theme). An application's themes are rows of
    # application_theme, so GROUP BY theme is one query.
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_amount_per_project_fen: Mapped[Fen | None]
    max_applications_per_org: Mapped[int | None]
    # {"personnel": 30, ...}: maximum share (percent) of an application's total per category.
    budget_rules: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # [{"label": "立项拨付", "percent": 50, "gate": "on_award"}, ...]; percents sum to 100.
    tranche_template: Mapped[list[dict]] = mapped_column(JSON, default=list)
    imported: Mapped[bool] = mapped_column(default=False)  # history import: a closed round
    # Printed on the 公示: the number of the notice (文号) and the phone for supervision
    # (监督电话) where anyone may report a concern.
    document_number: Mapped[str] = mapped_column(String(100), default="")
    supervision_phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime | None]

    pools: Mapped[list[Pool]] = relationship(back_populates="round", order_by="Pool.id",
                                             cascade="all, delete-orphan")
    challenges: Mapped[list[Challenge]] = relationship(back_populates="round",
                                                       order_by="Challenge.id",
                                                       cascade="all, delete-orphan")

    @property
    def total_budget(self) -> Decimal:
        return from_fen(self.total_budget_fen)

    @property
    def max_amount_per_project(self) -> Decimal | None:
        return None if self.max_amount_per_project_fen is None else from_fen(
            self.max_amount_per_project_fen)

    def accepts_applications_at(self, now: datetime) -> bool:
        """Published, and now within [opens_at, deadline_at] (server time, UTC)."""
        return (self.status == RoundStatus.OPEN and self.opens_at is not None
                and self.deadline_at is not None and self.opens_at <= now <= self.deadline_at)

    def __repr__(self) -> str:
        return f"<Round {self.id} {self.year} {self.status.value}>"


# The history import adds a year's rows to that year's one imported round (backs its lock).
Index("uq_round_imported_year", Round.year, unique=True,
      postgresql_where=Round.imported, sqlite_where=Round.imported)


class PoolKind(str, enum.Enum):
    GENERAL = "general"
    CHALLENGE = "challenge"
    TARGETED = "targeted"  # 定向扶持: only organisations in `regions`

    @property
    def label(self) -> str:
        return str({PoolKind.GENERAL: _l("综合资金池"), PoolKind.CHALLENGE: _l("命题资金池"),
                    PoolKind.TARGETED: _l("定向扶持资金池")}[self])


class Pool(db.Model):
    """A slice of the round's budget. Pools of a round sum to at most its budget."""

    __tablename__ = "pool"
    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[PoolKind] = mapped_column(enum_column(PoolKind))
    amount_fen: Mapped[Fen] = mapped_column(default=0)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)  # targeted pools only
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[Round] = relationship(back_populates="pools")

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)

    def admits_region(self, region: str) -> bool:
        return self.kind != PoolKind.TARGETED or region in (self.regions or [])


class Challenge(db.Model):
    """命题: a theme groups bid on; each bid's award fits `cap_per_team_fen`, at most `slots`."""

    __tablename__ = "challenge"
    __table_args__ = (CheckConstraint("slots >= 1", name="at_least_one_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("pool.id"), index=True)
    # 命题方: the partner department that proposed it (none: the organizer's own theme).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    background: Mapped[str] = mapped_column(Text, default="")
    expected_outcomes: Mapped[str] = mapped_column(Text, default="")
    indicators: Mapped[str] = mapped_column(Text, default="")
    cap_per_team_fen: Mapped[Fen] = mapped_column(default=0)
    slots: Mapped[int] = mapped_column(default=1)
    eligible_regions: Mapped[list[str]] = mapped_column(JSON, default=list)    # empty: any
    eligible_org_types: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: any
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[Round] = relationship(back_populates="challenges")
    pool: Mapped[Pool | None] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def cap_per_team(self) -> Decimal:
        return from_fen(self.cap_per_team_fen)


# --- Matching (一键式对接) and 派单: tables added in migration 0004_rounds ----------------

class MatchingPreference(db.Model):
    """What an organisation wants to hear about. Empty lists mean "everything"."""

    __tablename__ = "matching_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class MatchNotice(db.Model):
    """An organisation was e-mailed about a round or a challenge: never twice.

    `subject` is "round:<id>" or "challenge:<id>", so the unique constraint holds without
    relying on NULLs (which SQL never treats as equal).
    """

    __tablename__ = "match_notice"
    __table_args__ = (UniqueConstraint("organisation_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenge.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InvitationAnswer(str, enum.Enum):
    PENDING = "pending"
    BID = "bid"            # the organisation takes it up (揭榜)
    DECLINED = "declined"  # with a reason

    @property
    def label(self) -> str:
        return str({InvitationAnswer.PENDING: _l("待答复"), InvitationAnswer.BID: _l("已揭榜"),
                    InvitationAnswer.DECLINED: _l("已婉拒")}[self])

    @property
    def tone(self) -> str:
        """Its badge colour, a Bootstrap contextual name (templates/_macros.html status_badge)."""
        return {InvitationAnswer.PENDING: "warning", InvitationAnswer.BID: "success",
                InvitationAnswer.DECLINED: "secondary"}[self]


class ChallengeInvitation(db.Model):
    """派单: the organizer invites a named organisation to bid on a challenge."""

    __tablename__ = "challenge_invitation"
    __table_args__ = (UniqueConstraint("challenge_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenge.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    status: Mapped[InvitationAnswer] = mapped_column(
        enum_column(InvitationAnswer, 10), default=InvitationAnswer.PENDING, index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str | None] = mapped_column(Text)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    challenge: Mapped[Challenge] = relationship()
    organisation = relationship("Organisation")


# --- Partner departments (命题方 / 联合单位): tables added in migration 0012d_departments -------

class Department(db.Model):
    """A partner department: proposes challenges (命题方); its contacts are user accounts."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    contacts: Mapped[list[DepartmentContact]] = relationship(
        back_populates="department", order_by="DepartmentContact.id",
        cascade="all, delete-orphan")


class DepartmentContact(db.Model):
    """A user who speaks for a department: drafts its challenges, follows their bids."""

    __tablename__ = "department_contact"
    __table_args__ = (UniqueConstraint("department_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    department: Mapped[Department] = relationship(back_populates="contacts")
    user = relationship("User", foreign_keys=[user_id])


class ChallengeDraftStatus(str, enum.Enum):
    DRAFT = "draft"          # the department still writes it; the organizer may read it
    PUBLISHED = "published"  # the organizer made it a challenge of the round

    @property
    def label(self) -> str:
        return str({ChallengeDraftStatus.DRAFT: _l("待发布"),
                    ChallengeDraftStatus.PUBLISHED: _l("已发布")}[self])

    @property
    def tone(self) -> str:
        return {ChallengeDraftStatus.DRAFT: "warning",
                ChallengeDraftStatus.PUBLISHED: "success"}[self]


class ChallengeDraft(db.Model):
    """A challenge a department proposes for a round. It is no challenge yet (no pool, no
    money, not public) until an organizer publishes it, which makes the `challenge`."""

    __tablename__ = "challenge_draft"
    __table_args__ = (
        CheckConstraint("slots >= 1", name="at_least_one_slot"),
        CheckConstraint("cap_per_team_fen > 0", name="positive_cap"),
        CheckConstraint("(status = 'published') = (challenge_id IS NOT NULL)",
                        name="published_has_challenge"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"),
                                          index=True)
    title: Mapped[str] = mapped_column(String(200))
    background: Mapped[str] = mapped_column(Text, default="")
    expected_outcomes: Mapped[str] = mapped_column(Text, default="")
    indicators: Mapped[str] = mapped_column(Text, default="")
    cap_per_team_fen: Mapped[Fen]
    slots: Mapped[int] = mapped_column(default=1)
    status: Mapped[ChallengeDraftStatus] = mapped_column(
        enum_column(ChallengeDraftStatus, 10), default=ChallengeDraftStatus.DRAFT, index=True)
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A published draft's challenge cannot be deleted (rounds/departments.py says so).
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenge.id"), unique=True)

    department: Mapped[Department] = relationship()
    round: Mapped[Round] = relationship()
    challenge: Mapped[Challenge | None] = relationship()

    @property
    def cap_per_team(self) -> Decimal:
        return from_fen(self.cap_per_team_fen)
