"""Application (申报书): an open-call proposal or a bid on a challenge, with its budget lines
(预算明细), activity plan, team and attachments."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models import enum_column
from marketplace.core.money import Fen, from_fen
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.rounds.models import BudgetCategory


class ApplicationStatus(str, enum.Enum):
    """See DESIGN.md "Lifecycle"; the allowed moves are the table APPLICATION
    (applications/workflow.py, with the rows review adds). Acceptance (验收) and termination
    come with a later issue, with their states."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"      # sent back for changes before the deadline
    WITHDRAWN = "withdrawn"
    IN_REVIEW = "in_review"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"  # 候补: may be approved when money comes back to the pool
    APPROVED = "approved"      # decided, money committed, in 公示
    AWARDED = "awarded"        # 立项, after 公示

    @property
    def label(self) -> str:
        return str(APPLICATION_STATUS_LABELS[self])

    @property
    def tone(self) -> str:
        """Its badge colour, a Bootstrap contextual name (templates/_macros.html status_badge)."""
        return APPLICATION_STATUS_TONES[self]


APPLICATION_STATUS_LABELS = {
    ApplicationStatus.DRAFT: _l("草稿"),
    ApplicationStatus.SUBMITTED: _l("已提交"),
    ApplicationStatus.RETURNED: _l("退回修改"),
    ApplicationStatus.WITHDRAWN: _l("已撤回"),
    ApplicationStatus.IN_REVIEW: _l("评审中"),
    ApplicationStatus.REJECTED: _l("未入选"),
    ApplicationStatus.WAITLISTED: _l("候补"),
    ApplicationStatus.APPROVED: _l("拟立项"),
    ApplicationStatus.AWARDED: _l("已立项"),
}

APPLICATION_STATUS_TONES = {
    ApplicationStatus.DRAFT: "secondary",
    ApplicationStatus.SUBMITTED: "primary",
    ApplicationStatus.RETURNED: "warning",
    ApplicationStatus.WITHDRAWN: "secondary",
    ApplicationStatus.IN_REVIEW: "info",
    ApplicationStatus.REJECTED: "danger",
    ApplicationStatus.WAITLISTED: "warning",
    ApplicationStatus.APPROVED: "success",
    ApplicationStatus.AWARDED: "success",
}


class Application(db.Model):
    __tablename__ = "application"
    __table_args__ = (
        Index("ix_application_round_status", "round_id", "status"),
        CheckConstraint("requested_fen >= 0", name="requested_not_negative"),
        UniqueConstraint("organisation_id", "start_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenge.id"), index=True)
    # The pool it would be funded from, the most specific one it is eligible for
    # (applications/routing.py): the challenge's pool for a bid; for the open call a targeted
    # pool of its county, else the general pool.
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("pool.id"), index=True)
    # Why the organizer moved it to `pool_id` by hand (audited); routing then leaves it there.
    pool_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.DRAFT, index=True)

    title: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(40), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    target_group: Mapped[str] = mapped_column(String(200), default="")
    beneficiaries: Mapped[int | None]
    place: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(40), default="")
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    volunteers: Mapped[int | None]
    # The sum of the budget lines, computed on the server; never taken from the client.
    requested_fen: Mapped[Fen] = mapped_column(default=0)

    # Frozen at submission: the organisation's profile and the whole proposal as submitted,
    # so later profile edits do not change what was submitted.
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime | None]
    return_comment: Mapped[str | None] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)  # decision feedback for the group
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The token of the new-application form that started this draft, unique per
    # organisation: a repeated first save (double click, retry) finds this draft instead of
    # starting another one.
    start_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    round = relationship("Round")
    organisation = relationship("Organisation")
    challenge = relationship("Challenge")
    pool = relationship("Pool")
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="application", order_by="BudgetLine.position",
        cascade="all, delete-orphan")
    plan_rows: Mapped[list[PlanRow]] = relationship(
        back_populates="application", order_by="PlanRow.position", cascade="all, delete-orphan")
    team_members: Mapped[list[TeamMember]] = relationship(
        back_populates="application", order_by="TeamMember.position",
        cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="application", order_by="Attachment.id", cascade="all, delete-orphan")
    theme_rows: Mapped[list[ApplicationTheme]] = relationship(
        back_populates="application", order_by="ApplicationTheme.position",
        cascade="all, delete-orphan")

    @property
    def themes(self) -> list[str]:
        """Its themes (主题) in the order the round lists them."""
        return [row.theme for row in self.theme_rows]

    @property
    def requested(self) -> Decimal:
        return from_fen(self.requested_fen)

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.status.value}>"


class ApplicationTheme(db.Model):
    """One theme (主题) of the round that an application carries; any number per application,
    each once. A row per theme so the statistics group by it in SQL."""
    __tablename__ = "application_theme"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)

    application: Mapped[Application] = relationship(back_populates="theme_rows")


class BudgetLine(db.Model):
    """item, category, quantity × unit price = amount (computed on the server with Decimal)."""

    __tablename__ = "budget_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    item: Mapped[str] = mapped_column(String(200))
    category: Mapped[BudgetCategory] = mapped_column(enum_column(BudgetCategory))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    unit_price_fen: Mapped[Fen]
    amount_fen: Mapped[Fen]
    note: Mapped[str] = mapped_column(String(200), default="")

    application: Mapped[Application] = relationship(back_populates="budget_lines")

    @property
    def unit_price(self) -> Decimal:
        return from_fen(self.unit_price_fen)

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)


class PlanRow(db.Model):
    """Activity plan: date or period, activity, expected output."""

    __tablename__ = "plan_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    period: Mapped[str] = mapped_column(String(100))
    activity: Mapped[str] = mapped_column(Text)
    expected_output: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="plan_rows")


class TeamMember(db.Model):
    __tablename__ = "team_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")

    application: Mapped[Application] = relationship(back_populates="team_members")


class Attachment(db.Model):
    """An uploaded file, stored outside static/ under `stored_name` (random); served only
    through a view that checks the parent application's visibility."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="attachments")
