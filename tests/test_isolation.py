"""A test never sees another test's rows, however they were written: the fixtures empty the
tables each test wrote to (tests/conftest.py, `WriteLog`). These tests run in file order, so
the second checks what the first left behind."""
import threading

from sqlalchemy import func, select, text

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from marketplace.rounds.models import Round
from tests.factories import make_round


def _write_from_a_thread(app) -> None:
    def write() -> None:
        with app.app_context():
            db.session.execute(text(
                "insert into outbox_message (to_address, subject, body_text, template, locale,"
                " status, attempts, next_attempt_at, created_at) values ('a@example.org', 's',"
                " 'b', 't', 'zh_CN', 'pending', 0, '2026-01-01', '2026-01-01')"))
            db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join()


def test_1_a_test_writes_through_raw_sql_a_thread_and_the_orm(app):
    db.session.execute(text(
        "INSERT INTO audit_entry (created_at, action, object_type) VALUES"
        " ('2026-01-01', 'test.raw', 'raw')"))
    db.session.commit()
    _write_from_a_thread(app)
    make_round()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) >= 1


def test_2_the_next_test_starts_with_those_tables_empty_and_their_ids_from_one(app):
    for model in (AuditEntry, OutboxMessage, Round):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    assert make_round().id == 1
