"""Migration 0010c: mail queued before the notification centre existed gets its in-app copy,
already read, for the account its address belongs to; mail to other addresses and account
mails with a secret link stay mail only. It goes back down cleanly."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from marketplace.extensions import db
from tests.migrations import insert_row

BEFORE = "0009a_tranches_ledger"
SENT = datetime(2026, 5, 4, 3, 2, 1)


def _mail(conn, to: str, template: str) -> int:
    return insert_row(conn, "outbox_message", to_address=to, subject=f"{template} 的主题",
                      body_text="正文\n", template=template, locale="zh_CN", status="sent",
                      created_at=SENT)


def test_past_mail_to_an_account_becomes_a_read_notification(fresh_app):
    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        user = insert_row(conn, "user", email="owner@example.org", name="o", session_token="t")
        verified = _mail(conn, "owner@example.org", "organisations/verified")
        _mail(conn, "owner@example.org", "accounts/reset_password")
        _mail(conn, "citizen@example.org", "review/objection_received")
    upgrade()
    with db.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(
            "SELECT user_id, outbox_message_id, template, subject, body_text, link, created_at,"
            " read_at FROM notification"))]
        once_keys = [r[0] for r in conn.execute(sa.text("SELECT once_key FROM outbox_message"))]
    assert [r[:6] for r in rows] == [(user, verified, "organisations/verified",
                                      "organisations/verified 的主题", "正文\n", None)]
    assert str(rows[0][6]).startswith("2026-05-04 03:02:01")
    assert str(rows[0][7]).startswith("2026-05-04 03:02:01")  # read: mailed at the time
    assert once_keys == [None, None, None]


def test_the_migration_goes_back_down(fresh_app):
    upgrade()
    downgrade(revision=BEFORE)
    with db.engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("outbox_message")}
    assert "notification" not in tables and "once_key" not in columns
