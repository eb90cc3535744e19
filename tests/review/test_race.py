"""Concurrent approvals: with room for N awards in a pool, exactly N of M parallel approvals
succeed and the committed sum never exceeds the pool (PostgreSQL row locks; SQLite's write
lock)."""
from decimal import Decimal

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.extensions import db
from marketplace.funds.models import Award, LedgerEntry, LedgerKind
from marketplace.review import services
from tests.concurrency import race
from tests.factories import make_application, make_organizer, make_review_round

N, M = 3, 8
AMOUNT = Decimal("10000.00")


def _approve_all_at_once(app, application_ids, organizer_id):
    def approve(i, start):
        application = db.session.get(Application, application_ids[i])
        organizer = db.session.get(User, organizer_id)
        start()
        services.approve_application(application, AMOUNT, organizer)

    return race(app, len(application_ids), approve)


def test_parallel_approvals_never_exceed_the_pool(app):
    round_ = make_review_round()
    pool = round_.pools[0]
    pool.amount_fen = int(AMOUNT * 100) * N
    db.session.commit()
    organizer = make_organizer()
    ids = [make_application(round_, requested=AMOUNT).id for _ in range(M)]
    pool_id, pool_fen, organizer_id = pool.id, pool.amount_fen, organizer.id
    db.session.remove()

    results = _approve_all_at_once(app, ids, organizer_id)

    assert results == ["ok"] * N + ["refused"] * (M - N), results
    committed = db.session.scalar(select(func.sum(LedgerEntry.amount_fen)).where(
        LedgerEntry.pool_id == pool_id, LedgerEntry.kind == LedgerKind.COMMIT))
    assert committed == pool_fen
    assert db.session.scalar(select(func.count(Award.id))) == N
    approved = db.session.scalar(select(func.count(Application.id)).where(
        Application.status == ApplicationStatus.APPROVED))
    assert approved == N


def test_parallel_approvals_never_exceed_challenge_slots(app):
    from tests.factories import make_challenge

    round_ = make_review_round()
    challenge = make_challenge(round_, slots=2, cap_per_team_fen=10_000_000)
    challenge.pool.amount_fen = 100_000_000
    db.session.commit()
    organizer = make_organizer()
    ids = [make_application(round_, challenge=challenge, requested=AMOUNT).id for _ in range(5)]
    organizer_id = organizer.id
    db.session.remove()

    results = _approve_all_at_once(app, ids, organizer_id)

    assert results == ["ok"] * 2 + ["refused"] * 3, results
