"""Pool balances read from the ledger: amount, committed (COMMIT − DECOMMIT), remaining.

Balances are never stored; they are sums of append-only ledger entries, computed in one
grouped query per round so a page with many pools costs the same as one with a single pool.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from marketplace.core.money import from_fen
from marketplace.extensions import db
from marketplace.funds.models import LedgerEntry, LedgerKind
from marketplace.rounds.models import Pool, Round


@dataclass(frozen=True)
class PoolBalance:
    pool_id: int
    amount: Decimal
    committed: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed


@dataclass(frozen=True)
class RoundSummary:
    budget: Decimal
    pooled: Decimal      # sum of the pools' amounts
    committed: Decimal   # sum of the pools' committed money
    remaining: Decimal   # pooled − committed: money still free in the pools

    @property
    def unpooled(self) -> Decimal:
        """Budget not yet split into any pool."""
        return self.budget - self.pooled


def pool_balances(round_id: int) -> dict[int, PoolBalance]:
    """Every pool of the round, by id, in ONE grouped SQL query."""
    signed = case(
        (LedgerEntry.kind == LedgerKind.COMMIT, LedgerEntry.amount_fen),
        (LedgerEntry.kind == LedgerKind.DECOMMIT, -LedgerEntry.amount_fen),
        else_=0,
    )
    stmt = (
        select(Pool.id, Pool.amount_fen, func.coalesce(func.sum(signed), 0))
        .select_from(Pool)
        .outerjoin(LedgerEntry, and_(
            LedgerEntry.pool_id == Pool.id,
            LedgerEntry.kind.in_([LedgerKind.COMMIT, LedgerKind.DECOMMIT])))
        .where(Pool.round_id == round_id)
        .group_by(Pool.id, Pool.amount_fen)
    )
    return {
        pool_id: PoolBalance(pool_id=pool_id, amount=from_fen(amount_fen),
                             committed=from_fen(int(committed_fen)))
        for pool_id, amount_fen, committed_fen in db.session.execute(stmt)
    }


def round_summary(round: Round, balances: dict[int, PoolBalance] | None = None) -> RoundSummary:
    """Budget, pooled, committed and remaining for a round (pass `balances` to reuse them)."""
    if balances is None:
        balances = pool_balances(round.id)
    pooled = sum((b.amount for b in balances.values()), Decimal("0.00"))
    committed = sum((b.committed for b in balances.values()), Decimal("0.00"))
    return RoundSummary(budget=round.total_budget, pooled=pooled, committed=committed,
                        remaining=pooled - committed)
