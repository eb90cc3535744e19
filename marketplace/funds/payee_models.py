"""Where an organisation's money goes (收款信息), in versions.

- PayeeAccount: one version of an organisation's payee account — its own (户名, 开户行,
  account number), or, for a team without its own legal status, its host unit's (依托单位:
  name, USCC, and the host unit's account). A change is a new version, never an edit. Each
  version waits for finance to confirm it (PAYEE: pending → confirmed / rejected; a pending
  one a newer change replaces is superseded); until the latest version is confirmed, every
  payment to the organisation waits (`hooks.PAYMENT_BLOCKERS["payee"]`).
- AwardPayee: the payee an award's money goes to, append-only: the organisation's confirmed
  version copied when the agreement is signed, and again when finance confirms a later change.
  The award's payee is its latest row (`hooks.AWARD_PAYEE["payee"]`).
"""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models import enum_column
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds.hooks import PayeeInfo


class PayeeStatus(str, enum.Enum):
    PENDING = "pending"        # recorded by the group; finance has not confirmed it yet
    CONFIRMED = "confirmed"    # finance checked it: payments may go to it
    REJECTED = "rejected"      # finance did not accept it: payments wait for a new one
    SUPERSEDED = "superseded"  # replaced by a newer change before finance looked at it

    @property
    def label(self) -> str:
        return str({PayeeStatus.PENDING: _l("待财务确认"), PayeeStatus.CONFIRMED: _l("已确认"),
                    PayeeStatus.REJECTED: _l("未通过确认"),
                    PayeeStatus.SUPERSEDED: _l("已被新的变更取代")}[self])

    @property
    def tone(self) -> str:
        return {PayeeStatus.PENDING: "warning", PayeeStatus.CONFIRMED: "success",
                PayeeStatus.REJECTED: "danger", PayeeStatus.SUPERSEDED: "secondary"}[self]


class PayeeAccount(db.Model):
    """One version of an organisation's payee account. Never edited: a change adds the next
    version; only its status moves (finance's confirmation)."""

    __tablename__ = "payee_account"
    __table_args__ = (
        UniqueConstraint("organisation_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        # Through a host unit: its name and USCC are recorded; otherwise neither is.
        CheckConstraint("(via_host_unit AND host_unit_name <> '' AND host_unit_uscc <> '') OR "
                        "(NOT via_host_unit AND host_unit_name = '' AND host_unit_uscc = '')",
                        name="host_unit_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    via_host_unit: Mapped[bool] = mapped_column(default=False)
    host_unit_name: Mapped[str] = mapped_column(String(120), default="")
    host_unit_uscc: Mapped[str] = mapped_column(String(18), default="")
    account_name: Mapped[str] = mapped_column(String(120))   # 户名
    bank: Mapped[str] = mapped_column(String(120))           # 开户行 (bank and branch)
    account_number: Mapped[str] = mapped_column(String(40))  # digits only
    status: Mapped[PayeeStatus] = mapped_column(enum_column(PayeeStatus),
                                                default=PayeeStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)

    organisation = relationship("Organisation")
    created_by = relationship("User", foreign_keys=[created_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def info(self) -> PayeeInfo:
        return PayeeInfo(account_name=self.account_name, bank=self.bank,
                         account_number=self.account_number,
                         host_unit=self.host_unit_name if self.via_host_unit else None)

    @property
    def masked(self) -> str:
        return self.info.masked

    @property
    def grouped(self) -> str:
        """The full number in groups of four, as on a bank card (only where it may be
        shown in full: the organisation's own settings and finance's confirmation)."""
        digits = self.account_number
        return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))


class AwardPayee(db.Model):
    """The payee an award's money goes to from `assigned_at` on (append-only)."""

    __tablename__ = "award_payee"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"),
                                          index=True)
    payee_account_id: Mapped[int] = mapped_column(ForeignKey("payee_account.id"))
    reason: Mapped[str] = mapped_column(String(20))  # "agreement" | "change_confirmed"
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    payee_account: Mapped[PayeeAccount] = relationship()
