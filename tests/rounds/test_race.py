"""Pools never sum to more than the budget, even when two organizers add pools at once
(a row lock on the round on PostgreSQL; SQLite's write lock)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.rounds import services
from marketplace.rounds.models import Pool, PoolKind, Round, RoundStatus
from tests.concurrency import race
from tests.factories import make_round
from tests.rounds.helpers import organizer

M = 4


def test_parallel_pools_never_exceed_the_budget(app):
    round = make_round(status=RoundStatus.DRAFT, general_pool=False,
                       total_budget_fen=100_000_000)  # room for one pool of 600,000
    round_id, staff_id = round.id, organizer().id
    db.session.remove()

    def add_pool(n: int, start) -> None:
        round = db.session.get(Round, round_id)
        staff = db.session.get(User, staff_id)
        start()
        services.create_pool(staff, round, f"定向{n}", PoolKind.TARGETED,
                             Decimal("600000.00"), ["岱山县"])

    results = race(app, M, add_pool)

    assert results == ["ok"] + ["refused"] * (M - 1), results
    pooled = db.session.scalar(select(func.sum(Pool.amount_fen)).where(Pool.round_id == round_id))
    assert pooled == 60_000_000
