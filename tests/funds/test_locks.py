"""One row-lock helper for every database (`core.locks.lock_rows`): the second transaction
to lock a row waits until the first ends, and then reads what the first committed.
PostgreSQL locks the rows themselves; SQLite, which has no row locks, the whole database."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from marketplace.applications.models import Application
from marketplace.core.locks import lock_rows
from marketplace.extensions import db
from marketplace.funds.services import lock_in_order
from marketplace.organisations.models import Organisation
from marketplace.rounds.models import Pool, Round
from tests.concurrency import race
from tests.factories import make_application, make_organisation, make_pool, make_round


def _first_holds_while_second_asks(app, lock_first, lock_second, write):
    """Thread 0 locks, lets thread 1 ask for its lock, writes and commits; returns the
    outcomes and what thread 1 read right after taking its lock."""
    held, seen = threading.Event(), []

    def take(i: int, start) -> None:
        start()
        if i == 0:
            lock_first()
            held.set()
            time.sleep(0.3)  # the other thread is asking for its lock meanwhile
            write()
        else:
            held.wait(timeout=10)
            lock_second()
            seen.append(db.session.scalar(select(func.count(Organisation.id))))

    return race(app, 2, take), seen


def test_the_second_locker_of_a_row_waits_for_the_first_to_commit(app):
    round_id = make_round().id
    db.session.remove()

    outcomes, seen = _first_holds_while_second_asks(
        app, lambda: lock_rows(Round, [round_id]), lambda: lock_rows(Round, [round_id]),
        lambda: make_organisation())  # commits: the first transaction ends here

    assert outcomes == ["ok", "ok"]
    assert seen == [1]


def test_rows_locked_in_any_order_lock_each_other(app):
    """Ids are locked in ascending order whatever order they come in: the same rows asked
    for the other way round still wait (and never deadlock)."""
    round_ = make_round()
    ids = [round_.pools[0].id, make_pool(round_).id]
    db.session.remove()

    outcomes, seen = _first_holds_while_second_asks(
        app, lambda: lock_rows(Pool, ids), lambda: lock_rows(Pool, list(reversed(ids))),
        lambda: make_organisation())

    assert outcomes == ["ok", "ok"]
    assert seen == [1]


def test_lock_in_order_waits_for_a_decision_on_the_same_round(app):
    application = make_application()
    round_id, pool_id, application_id = (application.round_id, application.pool_id,
                                         application.id)
    db.session.remove()

    outcomes, seen = _first_holds_while_second_asks(
        app,
        lambda: lock_in_order(round_id, pool_ids=[pool_id], application_ids=[application_id]),
        lambda: lock_in_order(round_id),
        lambda: make_organisation())

    assert outcomes == ["ok", "ok"]
    assert seen == [2]  # the application's organisation and the new one


def test_nothing_to_lock_takes_no_lock(app, count_queries):
    with count_queries() as counter:
        lock_rows(Round, [None])
        lock_rows(Application, [])
    assert counter.count == 0


@pytest.fixture
def postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks of their own: PostgreSQL (SQLite locks the whole database)")


def test_on_postgresql_another_row_does_not_wait(app, postgresql_only):
    round_ = make_round()
    first, second = round_.pools[0].id, make_pool(round_).id
    db.session.remove()
    held, done, order = threading.Event(), threading.Event(), []

    def take(i: int, start) -> None:
        start()
        if i == 0:
            lock_rows(Pool, [first])
            held.set()
            done.wait(timeout=10)  # holds its lock until the other thread is through
            order.append("first")
        else:
            held.wait(timeout=10)
            lock_rows(Pool, [second])
            order.append("second")
            done.set()

    assert race(app, 2, take) == ["ok", "ok"]
    assert order == ["second", "first"]


def test_on_postgresql_a_locked_row_may_still_be_referenced(app, postgresql_only):
    """FOR NO KEY UPDATE: a lock on an organisation does not hold up a new application of
    it (inserting a reference takes a KEY SHARE lock, which does not conflict)."""
    organisation = make_organisation()
    round_ = make_round()
    organisation_id, round_id, pool_id = organisation.id, round_.id, round_.pools[0].id
    db.session.remove()
    held, done, order = threading.Event(), threading.Event(), []

    def take(i: int, start) -> None:
        start()
        if i == 0:
            lock_rows(Organisation, [organisation_id])
            held.set()
            done.wait(timeout=10)
            order.append("lock released")
        else:
            held.wait(timeout=10)
            db.session.add(Application(round_id=round_id, organisation_id=organisation_id,
                                       pool_id=pool_id, title="新申报"))
            db.session.flush()
            order.append("inserted")
            done.set()

    assert race(app, 2, take) == ["ok", "ok"]
    assert order == ["inserted", "lock released"]
