"""Spending after 立项: who the money comes from, what each award may spend it on, and what
was spent.

- FundingSource (资金来源) and PoolSource: a pool names its source, or is split into slices by
  source that sum to the pool's amount (one slice may be "the rest of the pool"). Ledger
  entries carry the source (`LedgerEntry.source_id`, rule in funds/sources.py).
- BudgetVersion and its lines: the award's budget. Version 1 is the application's budget as
  submitted; a revised budget (the award below the request) and each variation add a version,
  nothing is edited in place. The baseline is the latest version that stands (every version
  except one whose variation is waiting or was rejected). A line keeps its `key` from version
  to version, so the expenses recorded against it follow it.
- Expense (资金使用): spending against one line of the baseline, with its invoice; the
  organizer's questions and the group's answers about a line (Explanation).
- Variation (预算调整 / 项目变更): a proposed version (lines and end date) that needs the
  organizer's approval beyond the round's threshold (SpendingRules).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from marketplace.core.models import enum_column
from marketplace.core.money import Fen, from_fen
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.rounds.models import BudgetCategory

# --- funding sources ---------------------------------------------------------------------------


class FundingSourceKind(str, enum.Enum):
    LEAGUE = "league"              # 团市委专项
    CIVILISATION = "civilisation"  # 文明办
    DEPARTMENT = "department"      # a partner department (合作部门)
    ENTERPRISE = "enterprise"
    FOUNDATION = "foundation"

    @property
    def label(self) -> str:
        return str(FUNDING_SOURCE_KIND_LABELS[self])

    @property
    def named(self) -> bool:
        """A department, enterprise or foundation is known by its own name; the league's
        special fund and the civilisation office by the kind alone."""
        return self in (FundingSourceKind.DEPARTMENT, FundingSourceKind.ENTERPRISE,
                        FundingSourceKind.FOUNDATION)

    @property
    def social(self) -> bool:
        """社会力量: money from outside government."""
        return self in (FundingSourceKind.ENTERPRISE, FundingSourceKind.FOUNDATION)


FUNDING_SOURCE_KIND_LABELS = {
    FundingSourceKind.LEAGUE: _l("团市委专项"),
    FundingSourceKind.CIVILISATION: _l("文明办"),
    FundingSourceKind.DEPARTMENT: _l("合作部门"),
    FundingSourceKind.ENTERPRISE: _l("企业"),
    FundingSourceKind.FOUNDATION: _l("基金会"),
}


class FundingSource(db.Model):
    """Who money comes from. The name is the kind's for the league's fund and the
    civilisation office (stored empty), its own for the others."""

    __tablename__ = "funding_source"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FundingSourceKind] = mapped_column(enum_column(FundingSourceKind))
    name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    @property
    def display_name(self) -> str:
        """"企业：舟山海洋渔业集团" — in the page's language, for pages and the API."""
        if self.kind.named and self.name:
            return str(_l("%(kind)s：%(name)s", kind=self.kind.label, name=self.name))
        return self.kind.label


class PoolSource(db.Model):
    """A slice of a pool by source. `amount_fen` None is the rest of the pool (what the other
    slices leave), so a pool named after one source follows its amount when it changes."""

    __tablename__ = "pool_source"
    __table_args__ = (
        UniqueConstraint("pool_id", "source_id"),
        CheckConstraint("amount_fen IS NULL OR amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("funding_source.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    amount_fen: Mapped[Fen | None]

    # Deleting a pool (rounds) takes its slices with it: the backref lets the ORM do so
    # without the rounds domain knowing of funds.
    pool = relationship("Pool", backref=backref("source_slices", cascade="all, delete-orphan",
                                                order_by="PoolSource.position"))
    source: Mapped[FundingSource] = relationship()


# At most one slice per pool is "the rest".
Index("uq_pool_source_rest", PoolSource.pool_id, unique=True,
      postgresql_where=PoolSource.amount_fen.is_(None),
      sqlite_where=PoolSource.amount_fen.is_(None))


# --- the round's spending rules --------------------------------------------------------------

DEFAULT_OVERSPEND_PERCENT = 10
DEFAULT_VARIATION_PERCENT = 10


class SpendingRules(db.Model):
    """Per round: a budget line more than `overspend_percent` over its budget is flagged; a
    variation moving more than `variation_percent` of the award between lines needs the
    organizer's approval. Until first saved, pages show the defaults without storing them."""

    __tablename__ = "spending_rules"
    __table_args__ = (
        CheckConstraint("overspend_percent >= 0 AND overspend_percent <= 1000",
                        name="overspend_in_range"),
        CheckConstraint("variation_percent >= 0 AND variation_percent <= 100",
                        name="variation_in_range"),
    )

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"),
                                          primary_key=True)
    overspend_percent: Mapped[int] = mapped_column(default=DEFAULT_OVERSPEND_PERCENT)
    variation_percent: Mapped[int] = mapped_column(default=DEFAULT_VARIATION_PERCENT)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


# --- budget versions -------------------------------------------------------------------------


class BudgetOrigin(str, enum.Enum):
    ORIGINAL = "original"    # the application's budget as submitted
    REVISED = "revised"      # revised to sum to an award below the request
    VARIATION = "variation"  # proposed by a variation (预算调整 / 项目变更)

    @property
    def label(self) -> str:
        return str({BudgetOrigin.ORIGINAL: _l("申报预算"),
                    BudgetOrigin.REVISED: _l("按立项金额调整的预算"),
                    BudgetOrigin.VARIATION: _l("预算调整")}[self])


class BudgetVersion(db.Model):
    __tablename__ = "budget_version"
    __table_args__ = (UniqueConstraint("award_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    number: Mapped[int]  # 1: the application's budget
    origin: Mapped[BudgetOrigin] = mapped_column(enum_column(BudgetOrigin))
    end_date: Mapped[date | None]  # the project's end date in this version
    # The variation that proposed it: the version stands once the variation is approved.
    variation_id: Mapped[int | None] = mapped_column(ForeignKey("variation.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    lines: Mapped[list[BudgetVersionLine]] = relationship(
        back_populates="version", order_by="BudgetVersionLine.position",
        cascade="all, delete-orphan")
    variation: Mapped[Variation | None] = relationship(back_populates="version")

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)


class BudgetVersionLine(db.Model):
    __tablename__ = "budget_version_line"
    __table_args__ = (
        UniqueConstraint("version_id", "key"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("budget_version.id", ondelete="CASCADE"), index=True)
    key: Mapped[int]  # the line's identity across the award's versions
    position: Mapped[int] = mapped_column(default=0)
    item: Mapped[str] = mapped_column(String(200))
    category: Mapped[BudgetCategory] = mapped_column(enum_column(BudgetCategory))
    amount_fen: Mapped[Fen]
    note: Mapped[str] = mapped_column(String(200), default="")

    version: Mapped[BudgetVersion] = relationship(back_populates="lines")

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)


# --- variations ------------------------------------------------------------------------------


class VariationStatus(str, enum.Enum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str({VariationStatus.REQUESTED: _l("待审批"),
                    VariationStatus.APPROVED: _l("已批准"),
                    VariationStatus.REJECTED: _l("未批准")}[self])

    @property
    def tone(self) -> str:
        """Its badge colour, a Bootstrap contextual name (templates/_macros.html status_badge)."""
        return {VariationStatus.REQUESTED: "warning", VariationStatus.APPROVED: "success",
                VariationStatus.REJECTED: "danger"}[self]


class Variation(db.Model):
    """预算调整 / 项目变更: the group proposes new budget lines and/or a later end date; its
    version stands once approved (at once when within the round's threshold)."""

    __tablename__ = "variation"
    __table_args__ = (CheckConstraint("moved_fen >= 0", name="moved_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    status: Mapped[VariationStatus] = mapped_column(
        enum_column(VariationStatus), default=VariationStatus.REQUESTED, index=True)
    reason: Mapped[str] = mapped_column(Text)
    moved_fen: Mapped[Fen] = mapped_column(default=0)  # money moved between lines
    end_date_before: Mapped[date | None]
    end_date_after: Mapped[date | None]
    needs_approval: Mapped[bool] = mapped_column(default=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)

    award = relationship("Award")
    version: Mapped[BudgetVersion | None] = relationship(back_populates="variation",
                                                         uselist=False)
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def moved(self) -> Decimal:
        return from_fen(self.moved_fen)

    @property
    def extends_end_date(self) -> bool:
        return self.end_date_after is not None and (
            self.end_date_before is None or self.end_date_after > self.end_date_before)


# One variation at a time waits for the organizer, per award.
Index("uq_variation_requested", Variation.award_id, unique=True,
      postgresql_where=text("status = 'requested'"), sqlite_where=text("status = 'requested'"))


# --- expenses --------------------------------------------------------------------------------


class ExpenseStatus(str, enum.Enum):
    RECORDED = "recorded"  # counts against its line (an accepted expense)
    VOIDED = "voided"      # withdrawn by the group (a mistake), with a reason
    REJECTED = "rejected"  # not accepted by the organizer, with a reason

    @property
    def label(self) -> str:
        return str({ExpenseStatus.RECORDED: _l("已登记"), ExpenseStatus.VOIDED: _l("已作废"),
                    ExpenseStatus.REJECTED: _l("不予认可")}[self])

    @property
    def tone(self) -> str:
        """Its badge colour, a Bootstrap contextual name (templates/_macros.html status_badge)."""
        return {ExpenseStatus.RECORDED: "success", ExpenseStatus.VOIDED: "secondary",
                ExpenseStatus.REJECTED: "danger"}[self]


class Expense(db.Model):
    """Money the group spent, against one line (by key) of the award's budget, with its
    invoice: the number as typed and normalised (`invoice_key`, to find one invoice used on
    two projects) and a scan, checked by content and stored outside static/."""

    __tablename__ = "expense"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        # A repeated submit of the same form (double click, retry) records one expense.
        UniqueConstraint("award_id", "form_token"),
        Index("ix_expense_award_line", "award_id", "line_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    line_key: Mapped[int]
    spent_on: Mapped[date]
    amount_fen: Mapped[Fen]
    payee: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500), default="")
    invoice_number: Mapped[str] = mapped_column(String(64))
    invoice_key: Mapped[str] = mapped_column(String(64), index=True)
    scan_name: Mapped[str] = mapped_column(String(255))
    scan_stored: Mapped[str] = mapped_column(String(64), unique=True)
    scan_type: Mapped[str] = mapped_column(String(100))
    scan_size: Mapped[int]
    scan_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[ExpenseStatus] = mapped_column(
        enum_column(ExpenseStatus), default=ExpenseStatus.RECORDED, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    form_token: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    award = relationship("Award")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)


class ExplanationKind(str, enum.Enum):
    QUESTION = "question"  # the organizer asks about a line
    ANSWER = "answer"      # the group explains

    @property
    def label(self) -> str:
        return str({ExplanationKind.QUESTION: _l("请说明"),
                    ExplanationKind.ANSWER: _l("说明")}[self])


class Explanation(db.Model):
    """One message of the small thread about a budget line of an award (append-only)."""

    __tablename__ = "expense_explanation"
    __table_args__ = (Index("ix_expense_explanation_award_line", "award_id", "line_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"))
    line_key: Mapped[int]
    kind: Mapped[ExplanationKind] = mapped_column(enum_column(ExplanationKind, 10))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("User")
