"""Funding sources (资金来源, 社会力量): who money comes from, how a pool is split by source,
which source each ledger entry is from, and money by source for the money view and the
statistics.

A pool names its source, or is split into slices by source that sum to its amount (one slice
may be "the rest of the pool", which follows the pool's amount). Which source an entry is from
(`source_for_entry`, applied by `funds.services.add_entry` to every entry it writes):

- a COMMIT takes its pool's source. From a pool split between several sources a project is
  funded by ONE of them: the first slice, in the order the organizer gave, whose uncommitted
  part holds the whole award (an award committed again keeps its source while that slice
  holds it). When no slice alone holds it, the commit is refused, naming what each has left:
  one project, one funder keeps "who funded what" exact, and the organizer re-splits the pool
  when a larger project comes;
- every other entry of an award (release, payment, return, decommit) carries the source of
  the award's COMMIT, so an award's money is never split between sources;
- a pool that names no source, and history imported from before the platform, carry none
  (shown as 未指定来源).

A pool's slices may change while it holds money, never below what a source has committed from
it; a pool's amount may change only as its slices allow (`_slices_allow_amount`).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.applications.models import Application
from marketplace.audit.services import record
from marketplace.core.locks import lock_rows
from marketplace.core.money import format_yuan, from_fen, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.extensions import db
from marketplace.funds import hooks
from marketplace.funds import spending_policy as policy
from marketplace.funds.balances import Balance, source_balances
from marketplace.funds.models import Award, LedgerEntry, LedgerKind
from marketplace.funds.spending_models import FundingSource, FundingSourceKind, PoolSource
from marketplace.rounds import contributions
from marketplace.rounds.models import Pool, Round

NAME_LENGTH = FundingSource.name.property.columns[0].type.length
MAX_SLICES = 10
UNSPECIFIED = _l("未指定来源")


# --- the sources ----------------------------------------------------------------------------

@dataclass
class SourceData:
    kind: FundingSourceKind | None
    name: str = ""


def all_sources() -> list[FundingSource]:
    return list(db.session.scalars(select(FundingSource).order_by(FundingSource.id)))


def _checked(data: SourceData, source_id: int | None = None) -> tuple[FundingSourceKind, str]:
    if data.kind is None:
        raise NotAllowed(_l("请选择资金来源的类别。"), field="kind")
    name = " ".join((data.name or "").split())
    if not data.kind.named:
        name = ""  # the league's fund and the civilisation office are known by their kind
    elif not name:
        raise NotAllowed(_l("请填写%(kind)s的名称。", kind=data.kind.label), field="name")
    if len(name) > NAME_LENGTH:
        raise NotAllowed(_l("名称不能超过 %(n)d 个字。", n=NAME_LENGTH), field="name")
    same = db.session.scalar(select(FundingSource.id).where(
        FundingSource.kind == data.kind, FundingSource.name == name))
    if same is not None and same != source_id:
        raise NotAllowed(_l("已有这个资金来源。"), field="name" if name else "kind")
    return data.kind, name


def create_source(actor, data: SourceData) -> FundingSource:
    require(policy.can_manage_sources(actor))
    kind, name = _checked(data)
    source = FundingSource(kind=kind, name=name, created_by_id=getattr(actor, "id", None))
    db.session.add(source)
    db.session.flush()
    record("funding_source.create", source, actor=actor, after={"kind": kind, "name": name})
    return source


def update_source(actor, source: FundingSource, data: SourceData) -> FundingSource:
    """Correct a source's kind or name; entries keep pointing at it."""
    require(policy.can_manage_sources(actor))
    kind, name = _checked(data, source.id)
    before = {"kind": source.kind, "name": source.name}
    source.kind, source.name = kind, name
    db.session.flush()
    record("funding_source.update", source, actor=actor, before=before,
           after={"kind": kind, "name": name})
    return source


# --- a pool's slices -------------------------------------------------------------------------

@dataclass(frozen=True)
class Slice:
    """A pool's slice with its amount worked out (the rest: what the other slices leave)."""

    source_id: int
    name: str
    kind: FundingSourceKind
    amount_fen: int
    rest: bool

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)


def pool_slices(pools: Iterable[Pool]) -> dict[int, list[Slice]]:
    """Each pool's slices in order, by pool id (an empty list: no source named), in one
    statement."""
    pools = {p.id: p for p in pools}
    result: dict[int, list[Slice]] = {pool_id: [] for pool_id in pools}
    if not pools:
        return result
    rows = db.session.execute(
        select(PoolSource, FundingSource).join(FundingSource,
                                               FundingSource.id == PoolSource.source_id)
        .where(PoolSource.pool_id.in_(list(pools)))
        .order_by(PoolSource.pool_id, PoolSource.position, PoolSource.id)).all()
    for pool_id in pools:
        mine = [(s, f) for s, f in rows if s.pool_id == pool_id]
        fixed = sum(s.amount_fen for s, _ in mine if s.amount_fen is not None)
        result[pool_id] = [
            Slice(source_id=f.id, name=f.display_name, kind=f.kind, rest=s.amount_fen is None,
                  amount_fen=max(pools[pool_id].amount_fen - fixed, 0)
                  if s.amount_fen is None else s.amount_fen)
            for s, f in mine]
    return result


def committed_by_source(pool_id: int) -> dict[int | None, int]:
    """What each source has committed from the pool (COMMIT − DECOMMIT), in fen."""
    return {source_id: to_fen(b.committed)
            for source_id, b in source_balances(pool_id=pool_id).items()}


@dataclass
class SliceData:
    source_id: int | None
    amount: Decimal | None  # None: the rest of the pool


def _lock_pool(pool: Pool) -> None:
    # The order every money change takes (funds.services.lock_in_order): round, then pool.
    db.session.flush()
    lock_rows(Round, [pool.round_id])
    lock_rows(Pool, [pool.id])
    db.session.refresh(pool)


def set_pool_sources(actor, pool: Pool, slices: list[SliceData]) -> list[PoolSource]:
    """Name the pool's sources: one slice, or several summing to the pool's amount (one of
    them may be the rest). A slice is never set below what its source has committed from the
    pool, nor is a source holding money left out. No slices: the pool names no source."""
    require(policy.can_manage_sources(actor))
    _lock_pool(pool)
    slices = [s for s in slices if s.source_id is not None or s.amount is not None]
    if len(slices) > MAX_SLICES:
        raise NotAllowed(_l("一个资金池最多分为 %(n)d 个来源。", n=MAX_SLICES), field="slices")
    known = {s.id: s for s in db.session.scalars(select(FundingSource).where(
        FundingSource.id.in_([s.source_id for s in slices if s.source_id is not None])))}
    seen: set[int] = set()
    for number, piece in enumerate(slices, start=1):
        if piece.source_id not in known:
            raise NotAllowed(_l("第 %(n)d 行：请选择资金来源。", n=number), field="slices")
        if piece.source_id in seen:
            raise NotAllowed(_l("第 %(n)d 行：同一个来源只能出现一次。", n=number),
                             field="slices")
        seen.add(piece.source_id)
        if piece.amount is not None and piece.amount <= 0:
            raise NotAllowed(_l("第 %(n)d 行：金额必须大于零；留空表示资金池的其余部分。",
                                n=number), field="slices")
    rests = [s.source_id for s in slices if s.amount is None]
    if len(slices) == 1:
        rests = [slices[0].source_id]  # one source: the whole pool, whatever was typed
    elif len(rests) > 1:
        raise NotAllowed(_l("只能有一行留空金额（资金池的其余部分）。"), field="slices")
    fixed = sum(to_fen(s.amount) for s in slices if s.source_id not in rests)
    if fixed > pool.amount_fen or (not rests and slices and fixed != pool.amount_fen):
        raise NotAllowed(_l("各来源合计 %(sum)s，应等于资金池金额 %(pool)s"
                            "（或留空一行作为其余部分）。",
                            sum=format_yuan(fixed), pool=format_yuan(pool.amount_fen)),
                         field="slices")
    amounts = {s.source_id: None if s.source_id in rests else to_fen(s.amount) for s in slices}
    committed = committed_by_source(pool.id)
    for source_id, amount in amounts.items():
        held = committed.get(source_id, 0)
        if (pool.amount_fen - fixed if amount is None else amount) < held:
            raise NotAllowed(_l("“%(source)s”已从这个资金池承诺 %(held)s，划分给它的金额不能更少。",
                                source=known[source_id].display_name,
                                held=format_yuan(held)), field="slices")
    for source_id, held in committed.items():
        if source_id is not None and held > 0 and source_id not in amounts:
            source = db.session.get(FundingSource, source_id)
            raise NotAllowed(_l("“%(source)s”已从这个资金池承诺 %(held)s，不能从来源中去掉。",
                                source=source.display_name, held=format_yuan(held)),
                             field="slices")

    before = _audit_slices(pool)
    for old in list(pool.source_slices):
        pool.source_slices.remove(old)
    db.session.flush()  # the old rows go before the new ones take their (pool, source)
    pool.source_slices.extend(
        PoolSource(source_id=source_id, position=position, amount_fen=amount)
        for position, (source_id, amount) in enumerate(amounts.items()))
    db.session.flush()
    record("pool.sources", pool, actor=actor, before={"sources": before},
           after={"sources": _audit_slices(pool)})
    return list(pool.source_slices)


def _audit_slices(pool: Pool) -> list[dict]:
    return [{"source_id": s.source_id,
             "amount": None if s.amount_fen is None else from_fen(s.amount_fen)}
            for s in pool.source_slices]


@contributions.pool_amount_check
def _slices_allow_amount(pool: Pool, amount: Decimal):
    """A pool split by source keeps its slices whole: the fixed slices fit the new amount,
    sum to it when there is no "rest", and the rest keeps what its source has committed."""
    rows = list(db.session.scalars(select(PoolSource).where(PoolSource.pool_id == pool.id)))
    if not rows:
        return None
    amount_fen = to_fen(amount)
    fixed = sum(r.amount_fen for r in rows if r.amount_fen is not None)
    rest = next((r for r in rows if r.amount_fen is None), None)
    if fixed > amount_fen or (rest is None and fixed != amount_fen):
        return _l("这个资金池按来源划分合计 %(sum)s；请先调整资金来源的划分，再改金额。",
                  sum=format_yuan(fixed))
    if rest is not None:
        held = committed_by_source(pool.id).get(rest.source_id, 0)
        if amount_fen - fixed < held:
            return _l("其余部分的来源已承诺 %(held)s，资金池金额不能低于 %(least)s。",
                      held=format_yuan(held), least=format_yuan(fixed + held))
    return None


# --- which source an entry is from ---------------------------------------------------------

def award_source(award_id: int) -> int | None:
    """The source of the award's latest COMMIT entry (a decision changed before the 公示
    may have committed it again, from another pool: its later entries follow that one)."""
    return db.session.scalar(
        select(LedgerEntry.source_id).where(LedgerEntry.award_id == award_id,
                                            LedgerEntry.kind == LedgerKind.COMMIT)
        .order_by(LedgerEntry.id.desc()).limit(1))


def source_for_entry(kind: LedgerKind, pool_id: int | None, award_id: int | None,
                     amount_fen: int) -> int | None:
    """The source a new entry carries (the rule in this module's docstring). The caller
    holds the pool's lock (a commit), so what the slices have left cannot change meanwhile."""
    if award_id is not None and kind != LedgerKind.COMMIT:
        return award_source(award_id)
    pool = db.session.get(Pool, pool_id) if pool_id is not None else None
    if pool is None:
        return None
    slices = pool_slices([pool])[pool.id]
    if len(slices) <= 1:
        return slices[0].source_id if slices else None
    if kind != LedgerKind.COMMIT:
        return None
    committed = committed_by_source(pool.id)
    left = {s.source_id: s.amount_fen - committed.get(s.source_id, 0) for s in slices}
    previous = award_source(award_id) if award_id is not None else None
    if previous in left and left[previous] >= amount_fen:
        return previous
    for piece in slices:
        if left[piece.source_id] >= amount_fen:
            return piece.source_id
    raise NotAllowed(_l("资金池“%(pool)s”按来源划分后，没有一个来源的余额够本项目（%(need)s）："
                        "%(left)s。一个项目只由一个来源资助，请调整资金来源的划分。",
                        pool=pool.name, need=format_yuan(amount_fen),
                        left="；".join(f"{s.name} {format_yuan(max(left[s.source_id], 0))}"
                                      for s in slices)), field="amount")


# --- money by source -------------------------------------------------------------------------

def figures_by_source(round_id: int) -> list[dict]:
    """The round's money by source: budget (the slices of its pools), committed, released,
    paid, returned and remaining (budget − committed); pools without a source and entries
    without one under 未指定来源 (shown only when it holds something). Four statements."""
    pools = list(db.session.scalars(select(Pool).where(Pool.round_id == round_id)))
    slices = pool_slices(pools)
    sources = {s.id: s for s in all_sources()}
    budget: dict[int | None, int] = {}
    for pool in pools:
        if not slices[pool.id]:
            budget[None] = budget.get(None, 0) + pool.amount_fen
        for piece in slices[pool.id]:
            budget[piece.source_id] = budget.get(piece.source_id, 0) + piece.amount_fen
    ledger = source_balances(round_id=round_id)
    rows = []
    for source_id in sorted(set(budget) | set(ledger), key=lambda i: (i is None, i or 0)):
        money = ledger.get(source_id, Balance())
        amount = from_fen(budget.get(source_id, 0))
        if source_id is None and not amount and money == Balance():
            continue
        source = sources.get(source_id)
        rows.append({"source_id": source_id,
                     "source": source.display_name if source else str(UNSPECIFIED),
                     "kind": source.kind.value if source else "",
                     "social": bool(source and source.kind.social),
                     "budget": amount, "committed": money.committed,
                     "released": money.released, "paid": money.paid,
                     "returned": money.returned, "remaining": amount - money.committed})
    return rows


def pool_source_names(round_id: int) -> dict[int, str]:
    """Each pool's source as the money view and the API show it: the source's name, or the
    slices' names with their amounts; an empty string for a pool without one."""
    pools = list(db.session.scalars(select(Pool).where(Pool.round_id == round_id)))
    slices = pool_slices(pools)
    names = {}
    for pool in pools:
        mine = slices[pool.id]
        if len(mine) == 1:
            names[pool.id] = mine[0].name
        else:
            names[pool.id] = " + ".join(f"{s.name} {format_yuan(s.amount_fen)}" for s in mine)
    return names


def awarded_by_source(round_id: int, region: str | None = None) -> list[dict]:
    """The statistics' awarded projects (立项, as stats counts them) and their amounts by the
    source of each award's commit, optionally of one county: one statement. Awards of pools
    that name no source (and imported history) under 未指定来源."""
    first_commit = (select(LedgerEntry.award_id, func.min(LedgerEntry.id).label("entry_id"))
                    .where(LedgerEntry.round_id == round_id,
                           LedgerEntry.kind == LedgerKind.COMMIT)
                    .group_by(LedgerEntry.award_id).subquery())
    stmt = (select(LedgerEntry.source_id, func.count(Award.id), func.sum(Award.amount_fen))
            .select_from(Award)
            .join(Application, Application.id == Award.application_id)
            .outerjoin(first_commit, first_commit.c.award_id == Award.id)
            .outerjoin(LedgerEntry, LedgerEntry.id == first_commit.c.entry_id)
            .where(Award.round_id == round_id, Award.awarded_at.is_not(None))
            .group_by(LedgerEntry.source_id))
    if region:
        stmt = stmt.where(Application.region == region)
    counted = {source_id: (int(n), int(fen)) for source_id, n, fen in db.session.execute(stmt)}
    named = {s.id: s for s in db.session.scalars(select(FundingSource).where(
        FundingSource.id.in_([i for i in counted if i is not None])))} if counted else {}
    rows = []
    for source_id, (projects, fen) in sorted(counted.items(),
                                             key=lambda item: (-item[1][1], item[0] or 0)):
        source = named.get(source_id)
        rows.append({"source": source.display_name if source else str(UNSPECIFIED),
                     "kind": source.kind.value if source else "",
                     "social": bool(source and source.kind.social),
                     "projects": projects, "amount": from_fen(fen), "amount_fen": fen})
    return rows


hooks.SOURCE_FIGURES["sources"] = figures_by_source
hooks.POOL_SOURCE_NAMES["sources"] = pool_source_names

