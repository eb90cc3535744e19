"""The notification centre (站内消息): a person's in-app copies of their mail, read and
unread. queue_mail writes them (services.py); here they are listed, counted and marked read.

Reading is the person's own bookkeeping, like a mail client's: not an audited change."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select, update

from marketplace.core.policy import require
from marketplace.core.request_cache import per_request
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.notify import policy
from marketplace.notify.models import Notification


def notifications_of(user) -> Select:
    """The person's messages, newest first (paginate it)."""
    return (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


@per_request
def unread_count(user) -> int:
    """Unread messages: the count beside 站内消息 in the nav bar and on the home page."""
    if not policy.signed_in(user):
        return 0
    return int(db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0)


def mark_read(actor, notification: Notification, now: datetime | None = None) -> None:
    """Opening a message marks it read (once: the first reading time stays)."""
    require(policy.can_open(actor, notification))
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()


def mark_all_read(actor, now: datetime | None = None) -> int:
    """Every unread message of the person, read now; returns how many."""
    require(policy.can_use_inbox(actor))
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0
