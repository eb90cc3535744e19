from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.timeutil import utcnow
from marketplace.extensions import db


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str({OutboxStatus.PENDING: _l("待发送"), OutboxStatus.SENT: _l("已发送"),
                    OutboxStatus.FAILED: _l("发送失败")}[self])

    @property
    def tone(self) -> str:
        """Its badge colour, a Bootstrap contextual name (templates/_macros.html status_badge)."""
        return {OutboxStatus.PENDING: "warning", OutboxStatus.SENT: "success",
                OutboxStatus.FAILED: "danger"}[self]


class OutboxMessage(db.Model):
    """A mail waiting to be sent; written in the same transaction as the change causing it."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(10))
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=10,
             values_callable=lambda e: [m.value for m in e]),
        default=OutboxStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
