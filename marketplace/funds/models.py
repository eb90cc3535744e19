"""Award (立项) and the round's append-only money ledger.

Balances are sums of ledger entries, never stored totals: a pool's committed money is its
COMMIT entries minus its DECOMMIT entries; an award's paid money is PAYMENT minus RETURN,
and never exceeds what RELEASE entries released for it. A correction is a new entry.
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models import enum_column
from marketplace.core.money import Fen, from_fen
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db


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


class Award(db.Model):
    """The decision to fund one application from one pool with an amount and a tranche plan."""

    __tablename__ = "award"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("pool.id"), index=True)
    amount_fen: Mapped[Fen]
    status: Mapped[AwardStatus] = mapped_column(enum_column(AwardStatus),
                                                default=AwardStatus.APPROVED, index=True)
    # [{"label": ..., "percent": 50, "gate": "on_award", "amount_fen": 600000}, ...]
    tranche_plan: Mapped[list[dict]] = mapped_column(JSON, default=list)
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    awarded_at: Mapped[datetime | None]  # 立项; set for every award that was ever awarded
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    imported: Mapped[bool] = mapped_column(default=False)

    application = relationship("Application")
    round = relationship("Round")
    pool = relationship("Pool")

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
    tranche_index: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(500), default="")
    # A repeated submit of the same payment form carries the same key: one entry.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    award = relationship("Award")

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)
