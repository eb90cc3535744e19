"""The round's money (organizers and finance; the page, the API and the exports read it):
per pool, per funding source and in total — budget, committed, released, paid, returned,
remaining — and per award the same with its tranches' states, filtered by county and by
tranche state. A fixed number of statements, however many awards."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from marketplace.applications.models import Application
from marketplace.extensions import db
from marketplace.funds import hooks
from marketplace.funds.balances import ZERO, Balance, balance, balances
from marketplace.funds.models import Award, Tranche, TrancheState
from marketplace.organisations.models import Organisation
from marketplace.rounds.models import Pool, Round


@dataclass(frozen=True)
class Figures:
    budget: Decimal
    committed: Decimal
    released: Decimal
    paid: Decimal
    returned: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.committed

    @classmethod
    def of(cls, b: Balance, budget: Decimal | None = None) -> Figures:
        return cls(b.amount if budget is None else budget, b.committed, b.released, b.paid,
                   b.returned)

    def as_json(self) -> dict:
        return {name: f"{getattr(self, name):.2f}" for name in
                ("budget", "committed", "released", "paid", "returned", "remaining")}


@dataclass
class PoolMoney:
    pool: Pool
    source: str
    figures: Figures


@dataclass
class AwardMoney:
    award: Award
    figures: Figures
    tranches: list[Tranche] = field(default_factory=list)

    @property
    def county(self) -> str:
        return self.award.application.organisation.region or ""


@dataclass
class RoundMoney:
    round: Round
    total: Figures
    pools: list[PoolMoney]
    sources: list[dict]
    awards: list[AwardMoney]
    counties: list[str]


def pool_figures(round_id: int) -> tuple[Figures, list[PoolMoney]]:
    round_ = db.session.get(Round, round_id)
    of_round = balance(Round, round_id)
    of_pool = balances(Pool, round_id=round_id)
    names: dict[int, str] = {}
    for find in hooks.POOL_SOURCE_NAMES.values():
        names.update(find(round_id))
    pools = db.session.scalars(select(Pool).where(Pool.round_id == round_id)
                               .order_by(Pool.id)).all()
    return (Figures.of(of_round, round_.total_budget),
            [PoolMoney(p, names.get(p.id, ""), Figures.of(of_pool.get(p.id, Balance())))
             for p in pools])


def round_money(round_: Round, county: str | None = None,
                state: TrancheState | None = None) -> RoundMoney:
    total, pools = pool_figures(round_.id)
    sources: list[dict] = []
    for figures in hooks.SOURCE_FIGURES.values():
        sources += figures(round_.id)
    awards = db.session.scalars(
        select(Award).join(Application, Application.id == Award.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .options(contains_eager(Award.application).contains_eager(Application.organisation),
                 selectinload(Award.tranches))
        .where(Award.round_id == round_.id).order_by(Award.id)).unique().all()
    counties = sorted({a.application.organisation.region or "" for a in awards} - {""})
    of_award = balances(Award, round_id=round_.id)
    rows = []
    for award in awards:
        if county and (award.application.organisation.region or "") != county:
            continue
        if state is not None and not any(t.state == state for t in award.tranches):
            continue
        rows.append(AwardMoney(award, Figures.of(of_award.get(award.id, Balance())),
                               list(award.tranches)))
    return RoundMoney(round_, total, pools, sources, rows, counties)


def api_figures(round_: Round) -> dict:
    """GET /api/v1/rounds/<id>/money: amounts as strings with two decimals."""
    total, pools = pool_figures(round_.id)
    return {"round_id": round_.id, **total.as_json(),
            "pools": [{"pool_id": p.pool.id, "name": p.pool.name, "source": p.source,
                       **p.figures.as_json()} for p in pools]}


def totals(rows: list[AwardMoney]) -> Figures:
    return Figures(sum((r.figures.budget for r in rows), ZERO),
                   sum((r.figures.committed for r in rows), ZERO),
                   sum((r.figures.released for r in rows), ZERO),
                   sum((r.figures.paid for r in rows), ZERO),
                   sum((r.figures.returned for r in rows), ZERO))
