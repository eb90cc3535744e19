"""Queue mail in the outbox, with its in-app copy (站内消息) for a recipient who has an
account; deliver it later with Flask-Mail (retries with backoff)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import func, select

from marketplace.core.locks import named_lock
from marketplace.core.timeutil import utcnow
from marketplace.core.urls import safe_next
from marketplace.extensions import db, mail
from marketplace.notify.models import Notification, OutboxMessage, OutboxStatus
from marketplace.notify.workflow import DELIVERY

log = logging.getLogger(__name__)


def mails_sent_recently(to: str, template: str, within: timedelta = timedelta(days=1)) -> int:
    """How many mails of this template were queued for the address lately (any status)."""
    return int(db.session.scalar(select(func.count(OutboxMessage.id)).where(
        func.lower(OutboxMessage.to_address) == to.lower(),
        OutboxMessage.template == template,
        OutboxMessage.created_at >= utcnow() - within)) or 0)


def mail_template(template: str) -> str:
    """"<domain>/<name>" -> the path of its template under templates/."""
    domain, slash, name = template.partition("/")
    if not (domain and slash and name) or "/" in name:
        raise ValueError(f"a mail is named <domain>/<name>, not {template!r}")
    return f"{domain}/mail/{name}.txt"


# --- whose address is it? -------------------------------------------------------------------
# Accounts stand above notify: the accounts domain hands in how to find the account an
# address belongs to (accounts/services.py), instead of notify importing its models.
_ACCOUNT_LOOKUP: list[Callable[[str], int | None]] = []


def account_lookup(find: Callable[[str], int | None]) -> Callable[[str], int | None]:
    """Register `find(address) -> user id or None` (the accounts domain does, when imported)."""
    _ACCOUNT_LOOKUP[:] = [find]
    return find


def account_for_address(address: str) -> int | None:
    return _ACCOUNT_LOOKUP[0](address) if _ACCOUNT_LOOKUP else None


def site_path(link: str | None) -> str | None:
    """The path on this site a mail's link points to (mail links are absolute, made from
    PUBLIC_BASE_URL); None for no link or a link elsewhere. An in-app message links by path,
    so it opens on whatever host the person is using."""
    if not link:
        return None
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if link.startswith(base + "/"):
        link = link[len(base):]
    return safe_next(link, None)


def already_queued(once: str) -> bool:
    return db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.once_key == once)) is not None


def queue_mail(to: str, template: str, locale: str | None = None, *,
               daily_cap: int | None = None, once: str | None = None, in_app: bool = True,
               **context) -> OutboxMessage | None:
    """Render a domain's mail in the recipient's language and queue it: `template` is
    "<domain>/<name>", found at templates/<domain>/mail/<name>.txt (e.g.
    "review/objection_received"), and is what the outbox records.

    The first line of the rendered template is the subject, the rest the body; `link` in the
    context is the page the mail is about. When the address belongs to an account, the
    mail's in-app copy (a Notification, 站内消息) is written with it, linking to that page:
    many people here read their mail rarely. Mail to an address without an account (an
    objector's) stays mail only. The caller's transaction commits both with the change.

    `daily_cap`: for mail that anyone can make the site send to an address they typed (an
    unconfirmed one): at most this many of the template per address per day, counted in the
    outbox so the cap holds across workers; beyond it nothing is queued (None).
    `once`: a key naming the mail (e.g. a reminder for one reviewer, round and day): a mail
    already queued under it is not queued again (None), also by two senders at once.
    `in_app=False`: mail only, for mail that proves who reads the mailbox (confirmation,
    password reset): its secret link has no place in a list shown after login.
    """
    if daily_cap is not None and mails_sent_recently(to, template) >= daily_cap:
        return None
    if once is not None:
        # Serialised per key until this transaction ends: a second sender waits, then sees
        # the first one's mail.
        named_lock(f"mail.once:{once}")
        if already_queued(once):
            return None
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        rendered = render_template(mail_template(template), **context).strip()
    subject, _, body = rendered.partition("\n")
    message = OutboxMessage(
        to_address=to,
        subject=subject.strip()[:200],
        body_text=body.strip() + "\n",
        template=template,
        locale=locale,
        once_key=once,
    )
    db.session.add(message)
    user_id = account_for_address(to) if in_app else None
    if user_id is not None:
        db.session.add(Notification(user_id=user_id, outbox_message=message, template=template,
                                    subject=message.subject, body_text=message.body_text,
                                    link=site_path(context.get("link"))))
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour between tries."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def deliver_pending(batch_size: int = 50) -> DeliveryReport:
    """Send due messages; commits per batch.

    On PostgreSQL the batch is locked FOR UPDATE SKIP LOCKED, so two senders
    running at once take disjoint batches and never send a message twice.

    The one service that commits, on purpose: what was sent is marked sent for good batch by
    batch, so a failure later in the run never sends it again. It therefore runs only in the
    sender process (`flask outbox send`), never inside a request's unit of work.
    """
    if has_request_context():
        raise RuntimeError("deliver_pending commits per batch: run it with `flask outbox "
                           "send`, not in a request")
    report = DeliveryReport()
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    while True:
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING,
                   OutboxMessage.next_attempt_at <= utcnow())
            .order_by(OutboxMessage.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        batch = list(db.session.scalars(stmt))
        if not batch:
            db.session.rollback()
            return report
        try:
            connection = mail.connect().__enter__()
        except Exception as exc:  # server down: every message in the batch waits
            for message in batch:
                _failed_attempt(message, exc, max_attempts, report)
            db.session.commit()
            return report
        try:
            for message in batch:
                try:
                    connection.send(Message(
                        subject=message.subject,
                        recipients=[message.to_address],
                        body=message.body_text,
                        sender=current_app.config["MAIL_DEFAULT_SENDER"],
                    ))
                except Exception as exc:
                    _failed_attempt(message, exc, max_attempts, report)
                else:
                    DELIVERY.move(None, message, OutboxStatus.SENT)
                    message.sent_at = utcnow()
                    message.attempts += 1
                    report.sent += 1
        finally:
            try:
                connection.__exit__(None, None, None)
            except Exception:  # a broken connection on QUIT must not lose the sent marks
                log.warning("closing the SMTP connection failed", exc_info=True)
            db.session.commit()
        if len(batch) < batch_size:
            return report


def _failed_attempt(message: OutboxMessage, exc: Exception, max_attempts: int,
                    report: DeliveryReport) -> None:
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if message.attempts >= max_attempts:
        DELIVERY.move(None, message, OutboxStatus.FAILED)
        report.failed += 1
        log.error("giving up on outbox message %s: %s", message.id, message.last_error)
    else:
        message.next_attempt_at = utcnow() + backoff(message.attempts)
        report.retried += 1
