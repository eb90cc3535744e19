"""Balances read from the ledger: the one place that sums ledger entries.

Balances are never stored; they are sums of append-only ledger entries. `balances()` sums
every kind of entry for a round, pool, award or tranche — or many of them at once — in ONE
grouped query, so a page with many pools costs the same as one with a single pool, and a
money check under a lock costs one statement.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select

from marketplace.core.money import from_fen
from marketplace.extensions import db
from marketplace.funds.models import Award, LedgerEntry, LedgerKind, Tranche
from marketplace.rounds.models import Pool, Round

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Balance:
    """What the ledger holds for one round, pool, award or tranche.

    `amount` is the object's own figure — a round's budget, a pool's money, an award's or a
    tranche's amount — against which the remainders are taken."""

    amount: Decimal = ZERO
    committed: Decimal = ZERO  # COMMIT − DECOMMIT: promised and still held
    released: Decimal = ZERO   # RELEASE: may be paid
    paid: Decimal = ZERO       # PAYMENT − RETURN: with the group
    returned: Decimal = ZERO   # RETURN: paid back by the group

    @property
    def remaining(self) -> Decimal:
        """Not committed: free in a pool or a round's budget (0 for a live award)."""
        return self.amount - self.committed

    @property
    def unreleased(self) -> Decimal:
        """Committed but not yet released."""
        return self.committed - self.released

    @property
    def unpaid(self) -> Decimal:
        """Released but not (or no longer) with the group."""
        return self.released - self.paid


# What can be balanced: its amount, and the ledger's column that points at it.
_OF = {
    Round: (Round.total_budget_fen, LedgerEntry.round_id),
    Pool: (Pool.amount_fen, LedgerEntry.pool_id),
    Award: (Award.amount_fen, LedgerEntry.award_id),
    Tranche: (Tranche.amount_fen, LedgerEntry.tranche_id),
}


def balances(of: type, **filters: int | list[int]) -> dict[int, Balance]:
    """The balance of every `of` (Round, Pool, Award or Tranche) matching `filters` — its
    columns, each equal to a value or in a list (`balances(Pool, round_id=3)`,
    `balances(Award, id=[4, 5])`) — by id, in ONE grouped query. Objects without entries
    are there with zeros."""
    amount_column, points_at = _OF[of]

    def total(kind: LedgerKind):
        return func.coalesce(func.sum(case((LedgerEntry.kind == kind, LedgerEntry.amount_fen),
                                           else_=0)), 0)

    kinds = list(LedgerKind)
    stmt = (select(of.id, amount_column, *(total(kind) for kind in kinds))
            .select_from(of).outerjoin(LedgerEntry, points_at == of.id)
            .group_by(of.id, amount_column))
    for name, value in filters.items():
        column = getattr(of, name)
        stmt = stmt.where(column.in_(value) if isinstance(value, list | tuple | set)
                          else column == value)
    result = {}
    for object_id, amount_fen, *sums in db.session.execute(stmt):
        # A PostgreSQL SUM of BIGINT is NUMERIC: back to int fen first.
        fen = dict(zip(kinds, (int(s) for s in sums), strict=True))
        result[object_id] = Balance(
            amount=from_fen(amount_fen),
            committed=from_fen(fen[LedgerKind.COMMIT] - fen[LedgerKind.DECOMMIT]),
            released=from_fen(fen[LedgerKind.RELEASE]),
            paid=from_fen(fen[LedgerKind.PAYMENT] - fen[LedgerKind.RETURN]),
            returned=from_fen(fen[LedgerKind.RETURN]))
    return result


def balance(of: type, object_id: int) -> Balance:
    """One object's balance (zeros if it does not exist)."""
    return balances(of, id=object_id).get(object_id, Balance())


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


def round_summary(round_: Round, pool_balances: dict[int, Balance] | None = None) -> RoundSummary:
    """Budget, pooled, committed and remaining for a round, from its pools' balances (pass
    `balances(Pool, round_id=round.id)` to reuse them)."""
    if pool_balances is None:
        pool_balances = balances(Pool, round_id=round_.id)
    pooled = sum((b.amount for b in pool_balances.values()), ZERO)
    committed = sum((b.committed for b in pool_balances.values()), ZERO)
    return RoundSummary(budget=round_.total_budget, pooled=pooled, committed=committed,
                        remaining=pooled - committed)


def source_balances(**filters: int) -> dict[int | None, Balance]:
    """Every kind's sum by funding source (`LedgerEntry.source_id`; None for entries without
    one) of the entries matching `filters` — ledger columns, each equal to a value
    (`source_balances(round_id=3)`, `source_balances(pool_id=7)`; none: the whole ledger) — in
    ONE grouped query. `amount` is zero: a source's budget is the slices of pools it holds
    (funds.sources)."""

    def total(kind: LedgerKind):
        return func.coalesce(func.sum(case((LedgerEntry.kind == kind, LedgerEntry.amount_fen),
                                           else_=0)), 0)

    kinds = list(LedgerKind)
    stmt = select(LedgerEntry.source_id, *(total(kind) for kind in kinds)).group_by(
        LedgerEntry.source_id)
    for name, value in filters.items():
        stmt = stmt.where(getattr(LedgerEntry, name) == value)
    result = {}
    for source_id, *sums in db.session.execute(stmt):
        fen = dict(zip(kinds, (int(s) for s in sums), strict=True))
        result[source_id] = Balance(
            committed=from_fen(fen[LedgerKind.COMMIT] - fen[LedgerKind.DECOMMIT]),
            released=from_fen(fen[LedgerKind.RELEASE]),
            paid=from_fen(fen[LedgerKind.PAYMENT] - fen[LedgerKind.RETURN]),
            returned=from_fen(fen[LedgerKind.RETURN]))
    return result
