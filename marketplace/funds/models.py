"""Award (立项), its tranches (分期) and the round's append-only money ledger.

Balances are sums of ledger entries, never stored totals (`funds.balances`): a pool's
committed money is its COMMIT entries minus its DECOMMIT entries; an award's paid money is
PAYMENT minus RETURN, and never exceeds what RELEASE entries released for it. A correction is
a new entry.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models import enum_column
from marketplace.core.money import Fen, from_fen
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.rounds.models import TrancheGate


class LedgerKind(str, enum.Enum):
    COMMIT = "commit"        # approval reserves money in a pool
    DECOMMIT = "decommit"    # approval withdrawn (objection upheld, termination): money returns
    RELEASE = "release"      # a tranche is released for payment
    PAYMENT = "payment"      # finance paid (part of) a released tranche
    RETURN = "return"        # money paid back by the group

    @property
    def label(self) -> str:
        return str({LedgerKind.COMMIT: _l("承诺"), LedgerKind.DECOMMIT: _l("撤销承诺"),
                    LedgerKind.RELEASE: _l("下达"), LedgerKind.PAYMENT: _l("拨付"),
                    LedgerKind.RETURN: _l("退回")}[self])


class AwardStatus(str, enum.Enum):
    APPROVED = "approved"    # decided and committed; in 公示
    AWARDED = "awarded"      # 立项 after 公示
    WITHDRAWN = "withdrawn"  # approval withdrawn before 立项 (objection upheld)

    @property
    def label(self) -> str:
        return str({AwardStatus.APPROVED: _l("拟立项"), AwardStatus.AWARDED: _l("已立项"),
                    AwardStatus.WITHDRAWN: _l("已撤销立项")}[self])

    @property
    def tone(self) -> str:
        """Its badge colour, a Bootstrap contextual name (templates/_macros.html status_badge)."""
        return {AwardStatus.APPROVED: "success", AwardStatus.AWARDED: "success",
                AwardStatus.WITHDRAWN: "danger"}[self]


# Awards that hold money and a challenge slot: the one definition of "live".
LIVE_AWARD_STATUSES = (AwardStatus.APPROVED, AwardStatus.AWARDED)


class TrancheState(str, enum.Enum):
    """Where a tranche stands on its way to the group. Until releases and payments exist a
    tranche is scheduled, or paid for imported history (paid in full before the platform)."""

    SCHEDULED = "scheduled"                  # waiting for its gate
    RELEASABLE = "releasable"                # gate met
    RELEASE_REQUESTED = "release_requested"  # the organizer asked finance to release it
    RELEASED = "released"                    # finance approved: may be paid
    PAID = "paid"
    CANCELLED = "cancelled"                  # the award was withdrawn, cut or terminated

    @property
    def label(self) -> str:
        return str({TrancheState.SCHEDULED: _l("计划中"), TrancheState.RELEASABLE: _l("可下达"),
                    TrancheState.RELEASE_REQUESTED: _l("已申请下达"),
                    TrancheState.RELEASED: _l("已下达"), TrancheState.PAID: _l("已拨付"),
                    TrancheState.CANCELLED: _l("已取消")}[self])


class Award(db.Model):
    """The decision to fund one application from one pool with an amount, paid in tranches."""

    __tablename__ = "award"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("pool.id"), index=True)
    amount_fen: Mapped[Fen]
    status: Mapped[AwardStatus] = mapped_column(enum_column(AwardStatus),
                                                default=AwardStatus.APPROVED, index=True)
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    awarded_at: Mapped[datetime | None]  # 立项; set for every award that was ever awarded
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    imported: Mapped[bool] = mapped_column(default=False)

    application = relationship("Application")
    round = relationship("Round")
    pool = relationship("Pool")
    tranches: Mapped[list[Tranche]] = relationship(
        back_populates="award", order_by="Tranche.index", cascade="all, delete-orphan")

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)


class Tranche(db.Model):
    """One part of an award's money (分期), from the round's tranche template: its share, its
    amount to the fen (the tranches of an award sum to exactly its amount), the gate that
    allows its release, and where it stands."""

    __tablename__ = "tranche"
    __table_args__ = (
        UniqueConstraint("award_id", "index"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"))
    index: Mapped[int]  # 1 for the first tranche (第 1 期)
    label: Mapped[str] = mapped_column(String(200), default="")
    percent: Mapped[int]
    amount_fen: Mapped[Fen]
    gate: Mapped[TrancheGate] = mapped_column(enum_column(TrancheGate),
                                              default=TrancheGate.ON_AWARD)
    state: Mapped[TrancheState] = mapped_column(enum_column(TrancheState),
                                                default=TrancheState.SCHEDULED)
    planned_date: Mapped[date | None]

    award: Mapped[Award] = relationship(back_populates="tranches")

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        Index("ix_ledger_entry_pool_kind", "pool_id", "kind"),
        Index("ix_ledger_entry_award_kind", "award_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("pool.id"))
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"))
    kind: Mapped[LedgerKind] = mapped_column(enum_column(LedgerKind, 10))
    amount_fen: Mapped[Fen]  # always positive; the kind says which way it moves
    tranche_id: Mapped[int | None] = mapped_column(ForeignKey("tranche.id"), index=True)
    # Who the money comes from (funds/sources.py: the pool's source; an award's entries
    # follow its COMMIT); None for a pool that names no source, and for imported history.
    source_id: Mapped[int | None] = mapped_column(ForeignKey("funding_source.id"), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    # A repeated submit of the same payment form carries the same key: one entry.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Written by the history import for money moved before the platform (paid in full).
    imported: Mapped[bool] = mapped_column(default=False)

    round = relationship("Round")
    award = relationship("Award")
    tranche = relationship("Tranche")

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)
