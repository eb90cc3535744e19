"""Concurrent approvals: with room for N awards in a pool, exactly N of M parallel approvals
succeed and the committed sum never exceeds the pool (PostgreSQL row locks; SQLite's write
lock)."""
import threading
from decimal import Decimal

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds.models import Award, LedgerEntry, LedgerKind
from marketplace.review import services
from tests.factories import make_application, make_organizer, make_review_round

N, M = 3, 8
AMOUNT = Decimal("10000.00")


def _approve_all_at_once(app, application_ids, organizer_id):
    barrier = threading.Barrier(len(application_ids))
    results: list[str] = []
    lock = threading.Lock()

    def approve(application_id):
        with app.app_context():
            try:
                application = db.session.get(Application, application_id)
                organizer = db.session.get(User, organizer_id)
                barrier.wait(timeout=30)
                try:
                    services.approve_application(application, AMOUNT, organizer)
                    db.session.commit()
                    outcome = "ok"
                except NotAllowed:
                    db.session.rollback()
                    outcome = "refused"
            except Exception as exc:  # a crash must fail the test, not hang it
                db.session.rollback()
                outcome = f"error: {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=approve, args=(i,)) for i in application_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


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

    assert sorted(results) == ["ok"] * N + ["refused"] * (M - N), results
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

    assert sorted(results) == ["ok"] * 2 + ["refused"] * 3, results
