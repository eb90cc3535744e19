"""The money's invariants, recomputed from the whole ledger (`flask funds check`, and the
tests after the stateful and race tests):

- per award: released ≤ award; paid − returned ≤ released; nothing negative (committed,
  paid − returned);
- per tranche: released ≤ its amount; payments on it ≤ what it released;
- per pool: 0 ≤ committed ≤ pool;
- per round: the pools ≤ the round's budget; committed ≤ the budget.

A fixed number of statements (one grouped sum per kind of object), however big the ledger.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from marketplace.core.money import format_yuan
from marketplace.extensions import db
from marketplace.funds.balances import ZERO, balances
from marketplace.funds.models import Award, Tranche
from marketplace.rounds.models import Pool, Round


@dataclass(frozen=True)
class Violation:
    rule: str
    round_id: int | None
    pool_id: int | None = None
    award_id: int | None = None
    tranche_id: int | None = None
    figures: tuple[tuple[str, Decimal], ...] = ()

    def __str__(self) -> str:
        where = [f"round={self.round_id}"]
        if self.pool_id is not None:
            where.append(f"pool={self.pool_id}")
        if self.award_id is not None:
            where.append(f"award={self.award_id}")
        if self.tranche_id is not None:
            where.append(f"tranche={self.tranche_id}")
        figures = ", ".join(f"{name}={format_yuan(value)}" for name, value in self.figures)
        return f"{self.rule}: {' '.join(where)}: {figures}"


def violations() -> list[Violation]:
    found: list[Violation] = []
    rounds = balances(Round)
    pools = balances(Pool)
    pool_rounds = dict(db.session.execute(select(Pool.id, Pool.round_id)).all())
    award_rows = {a: (r, p) for a, r, p in db.session.execute(
        select(Award.id, Award.round_id, Award.pool_id))}
    awards = balances(Award)
    tranche_awards = dict(db.session.execute(select(Tranche.id, Tranche.award_id)).all())
    tranches = balances(Tranche)

    pooled: dict[int, Decimal] = {}
    for pool_id, b in pools.items():
        round_id = pool_rounds[pool_id]
        pooled[round_id] = pooled.get(round_id, ZERO) + b.amount
        if b.committed < 0:
            found.append(Violation("pool committed < 0", round_id, pool_id,
                                   figures=(("committed", b.committed),)))
        if b.committed > b.amount:
            found.append(Violation("pool committed > pool", round_id, pool_id,
                                   figures=(("committed", b.committed), ("pool", b.amount))))
    for round_id, b in rounds.items():
        if pooled.get(round_id, ZERO) > b.amount:
            found.append(Violation("pools > round budget", round_id,
                                   figures=(("pools", pooled[round_id]), ("budget", b.amount))))
        if b.committed > b.amount:
            found.append(Violation("round committed > budget", round_id,
                                   figures=(("committed", b.committed), ("budget", b.amount))))
    for award_id, b in awards.items():
        round_id, pool_id = award_rows[award_id]
        figures = (("award", b.amount), ("committed", b.committed), ("released", b.released),
                   ("paid", b.paid), ("returned", b.returned))
        for rule, broken in (("award committed < 0", b.committed < 0),
                             ("award released > award", b.released > b.amount),
                             ("award paid - returned > released", b.paid > b.released),
                             ("award paid - returned < 0", b.paid < 0)):
            if broken:
                found.append(Violation(rule, round_id, pool_id, award_id, figures=figures))
    for tranche_id, b in tranches.items():
        award_id = tranche_awards[tranche_id]
        round_id, pool_id = award_rows.get(award_id, (None, None))
        figures = (("tranche", b.amount), ("released", b.released), ("paid", b.paid))
        if b.released > b.amount:
            found.append(Violation("tranche released > tranche", round_id, pool_id, award_id,
                                   tranche_id, figures))
        # Payments on a tranche (returns are the award's): paid + returned is its payments.
        if b.paid + b.returned > b.released:
            found.append(Violation("tranche paid > released", round_id, pool_id, award_id,
                                   tranche_id, figures))
    return found
