from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    # A mail sent at most once, e.g. "review/deadline_reminder:<round>:<reviewer>:<date>"
    # (queue_mail's `once`); ordinary mail has none.
    once_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class Notification(db.Model):
    """站内消息: the in-app copy of a mail to someone with an account (queue_mail writes it
    with the mail), in the language the mail was written in, with the page it concerns.

    The user is referenced by table name only: accounts stand above notify in the layers,
    so notify knows a user as an id and never imports the accounts models (the account an
    address belongs to is looked up through what accounts registers, services.py)."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),
                      Index("ix_notification_user_created", "user_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"))
    template: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    # A path on this site ("/applications/12"), or None when the mail links nowhere.
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    outbox_message: Mapped[OutboxMessage | None] = relationship()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
