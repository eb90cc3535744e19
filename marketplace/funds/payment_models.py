"""Releases, payments and returns (the payments half of issue 12): the rows beside the ledger
that say who asked, who approved, what voucher and to whom.

Every amount here also moves the ledger (funds/models.py LedgerEntry): a TrancheRelease
approved writes its RELEASE entry, a Payment its PAYMENT entry, a MoneyReturn its RETURN
entry; each row points at its entry (UNIQUE), so the ledger stays the one place balances are
summed from. Nothing is edited afterwards; a correction is a new entry with its reason.

- TrancheRelease: one per tranche (UNIQUE). The organizer asks (`requested_by`), finance
  approves (`released_by`); the database refuses one person doing both (CHECK).
- Payment: finance paid (part of) a released tranche: date, voucher number (凭证号), the
  payee as it stood (copied: the payee may change later), note, the voucher scan. One per
  form (UNIQUE idempotency key): a double click or a retry is the same payment.
- ReturnRequest: money the group is expected to pay back (at closing, after a cut, or asked
  by the organizer), shown to finance until what came back covers it.
- MoneyReturn: money paid back (收回), with its reason, optionally against a request.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models import enum_column
from marketplace.core.money import Fen, from_fen
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db


class TrancheRelease(db.Model):
    __tablename__ = "tranche_release"
    __table_args__ = (
        # Two people: whoever asked for the release may not approve it.
        CheckConstraint("released_by_id IS NULL OR released_by_id <> requested_by_id",
                        name="two_people"),
        CheckConstraint("(released_by_id IS NULL) = (entry_id IS NULL)",
                        name="released_with_entry"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("tranche.id"), unique=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    released_at: Mapped[datetime | None]
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"), unique=True)

    tranche = relationship("Tranche")
    award = relationship("Award")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    released_by = relationship("User", foreign_keys=[released_by_id])


class Payment(db.Model):
    __tablename__ = "payment"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("tranche.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entry.id"), unique=True)
    amount_fen: Mapped[Fen]
    paid_on: Mapped[date]
    voucher_number: Mapped[str] = mapped_column(String(64))
    # The payee as it stood when paid (hooks.award_payee): the account may change later.
    payee_name: Mapped[str] = mapped_column(String(200))
    payee_bank: Mapped[str] = mapped_column(String(200))
    payee_account: Mapped[str] = mapped_column(String(64))
    host_unit: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(500), default="")
    scan_name: Mapped[str] = mapped_column(String(255))
    scan_stored: Mapped[str] = mapped_column(String(64))  # random name under UPLOAD_FOLDER
    scan_type: Mapped[str] = mapped_column(String(100))
    scan_size: Mapped[int]
    scan_sha256: Mapped[str] = mapped_column(String(64))
    # One per payment form: a repeated submit finds the payment it made.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    award = relationship("Award")
    tranche = relationship("Tranche")
    recorded_by = relationship("User")

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)

    @property
    def masked_account(self) -> str:
        digits = self.payee_account.replace(" ", "")
        if len(digits) <= 8:
            return "**** " + digits[-4:]
        return f"{digits[:4]} **** **** {digits[-4:]}"


class ReturnStatus(str, enum.Enum):
    EXPECTED = "expected"  # the group is asked to pay it back
    RECEIVED = "received"  # what came back covers it

    @property
    def label(self) -> str:
        return str({ReturnStatus.EXPECTED: _l("待退回"), ReturnStatus.RECEIVED: _l("已退回")}[self])

    @property
    def tone(self) -> str:
        return {ReturnStatus.EXPECTED: "warning", ReturnStatus.RECEIVED: "success"}[self]


class ReturnRequest(db.Model):
    __tablename__ = "return_request"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    amount_fen: Mapped[Fen]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ReturnStatus] = mapped_column(enum_column(ReturnStatus),
                                                 default=ReturnStatus.EXPECTED, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)

    award = relationship("Award")
    requested_by = relationship("User")

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)


class MoneyReturn(db.Model):
    __tablename__ = "money_return"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    return_request_id: Mapped[int | None] = mapped_column(ForeignKey("return_request.id"),
                                                          index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entry.id"), unique=True)
    amount_fen: Mapped[Fen]
    received_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    award = relationship("Award")
    return_request = relationship("ReturnRequest")
    recorded_by = relationship("User")

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)
