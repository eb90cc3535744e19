"""Mail goes through the outbox to a real SMTP server (aiosmtpd on a local port)."""
import ast
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage, OutboxStatus
from marketplace.notify.services import backoff, deliver_pending, mail_template, queue_mail
from tests.factories import make_user


def _queue(n, to="someone@example.org"):
    user = make_user(to) if to else None
    for i in range(n):
        queue_mail(user.email, "accounts/confirm_email", "zh_CN", user=user, link=f"https://x/{i}")
    db.session.commit()


def test_queued_mail_is_delivered_to_the_smtp_server(app, smtp_server):
    _queue(2)
    report = deliver_pending()
    assert report.sent == 2
    received = smtp_server.to("someone@example.org")
    assert len(received) == 2
    assert "请确认你的邮箱" in received[0]["Subject"]
    assert "https://x/0" in smtp_server.body(received[0])
    statuses = db.session.scalars(select(OutboxMessage.status)).all()
    assert statuses == [OutboxStatus.SENT, OutboxStatus.SENT]


def test_mail_is_written_in_the_recipients_language(app, smtp_server):
    user = make_user("en@example.org", locale="en")
    queue_mail(user.email, "accounts/confirm_email", user.locale, user=user, link="https://x/y")
    db.session.commit()
    deliver_pending()
    message = smtp_server.to("en@example.org")[0]
    assert "confirm" in message["Subject"].lower()
    assert "请确认" not in message["Subject"]


def test_nothing_is_queued_when_the_change_is_rolled_back(app):
    user = make_user()
    queue_mail(user.email, "accounts/confirm_email", "zh_CN", user=user, link="https://x")
    db.session.rollback()
    assert db.session.query(OutboxMessage).count() == 0


def test_failed_delivery_is_retried_later_with_backoff(app, smtp_server, monkeypatch):
    _queue(1)
    state = app.extensions["mail"]
    monkeypatch.setattr(state, "port", 1)  # nothing listens there
    report = deliver_pending()
    message = db.session.scalar(select(OutboxMessage))
    assert report.retried == 1 and message.status == OutboxStatus.PENDING
    assert message.attempts == 1 and message.last_error
    assert message.next_attempt_at > utcnow() + timedelta(seconds=30)
    # Not due yet: a second run sends nothing.
    monkeypatch.setattr(state, "port", smtp_server.port)
    assert deliver_pending().sent == 0
    message.next_attempt_at = utcnow()
    db.session.commit()
    assert deliver_pending().sent == 1
    assert len(smtp_server.messages) == 1


def test_delivery_gives_up_after_max_attempts(app, monkeypatch):
    _queue(1)
    monkeypatch.setattr(app.extensions["mail"], "port", 1)
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    try:
        for _ in range(2):
            deliver_pending()
            message = db.session.scalar(select(OutboxMessage))
            message.next_attempt_at = utcnow()
            db.session.commit()
        message = db.session.scalar(select(OutboxMessage))
        assert message.status == OutboxStatus.FAILED and message.attempts == 2
    finally:
        app.config["OUTBOX_MAX_ATTEMPTS"] = 8


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert backoff(30).total_seconds() == 3600


def test_two_senders_at_once_never_send_a_message_twice(app, smtp_server):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is the PostgreSQL guarantee; SQLite runs one sender")
    user = make_user("many@example.org")
    for i in range(40):
        queue_mail(user.email, "accounts/confirm_email", "zh_CN", user=user, link=f"https://x/{i}")
    db.session.commit()
    barrier = threading.Barrier(3)
    errors = []

    def sender():
        with app.app_context():
            try:
                barrier.wait()
                deliver_pending(batch_size=5)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    links = Counter(smtp_server.body(m).split("https://x/")[1].split()[0]
                    for m in smtp_server.to("many@example.org"))
    assert len(links) == 40
    assert max(links.values()) == 1


def test_outbox_send_command(app, smtp_server):
    _queue(1)
    result = CliRunner().invoke(app.cli, ["outbox", "send"], obj=None,
                                catch_exceptions=False)
    assert "sent 1" in result.output
    assert len(smtp_server.messages) == 1




# --- where mail templates live ------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
MAILERS = {"queue_mail", "_mail_members", "_mail_owners"}  # the template is the 2nd / 1st arg


def _mail_names() -> list[tuple[str, str]]:
    """(domain of the module, mail name) for every mail the code queues by a literal name."""
    found = []
    for path in sorted((ROOT / "marketplace").rglob("*.py")):
        domain = path.relative_to(ROOT / "marketplace").parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            position = 1 if name == "queue_mail" else 0
            if name in MAILERS and len(node.args) > position \
                    and isinstance(node.args[position], ast.Constant):
                found.append((domain, node.args[position].value))
    return found


def test_each_mail_lives_in_the_domain_that_sends_it():
    names = _mail_names()
    assert len(names) >= 19
    for domain, name in names:
        assert name.startswith(f"{domain}/"), name
        assert (ROOT / "templates" / mail_template(name)).is_file(), name
    # No shims left behind (templates/notify holds the notification centre's page only).
    assert not list((ROOT / "templates" / "notify").rglob("*.txt"))


def test_a_mail_name_without_its_domain_is_refused(app):
    with pytest.raises(ValueError, match="<domain>/<name>"):
        queue_mail("someone@example.org", "confirm_email", link="https://x")
