"""Pools (资金池): slices of a round's budget. Pools of a round sum to at most its budget,
checked under the round's row lock, so two requests cannot both squeeze a pool in."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from marketplace.audit.services import record, snapshot
from marketplace.core.money import format_yuan, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.extensions import db
from marketplace.rounds import contributions, policy
from marketplace.rounds.matching import check_regions
from marketplace.rounds.models import Challenge, Pool, PoolKind, Round
from marketplace.rounds.services import lock_round, pooled_fen

POOL_FIELDS = ["name", "kind", "amount_fen", "regions"]
# What the String(n) column holds: a longer name is refused, not a database error.
POOL_NAME_LENGTH = Pool.name.property.columns[0].type.length


def _refuse_over_budget(round_: Round, other_pools_fen: int, amount_fen: int,
                        field_name: str) -> None:
    if other_pools_fen + amount_fen > round_.total_budget_fen:
        free = max(round_.total_budget_fen - other_pools_fen, 0)
        raise NotAllowed(_l("资金池合计不能超过总预算 %(budget)s；目前还可分配 %(free)s。",
                            budget=format_yuan(round_.total_budget_fen),
                            free=format_yuan(free)), field=field_name)


def _pool_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise NotAllowed(_l("请填写资金池名称。"), field="name")
    if len(name) > POOL_NAME_LENGTH:
        raise NotAllowed(_l("资金池名称不能超过 %(n)d 个字。", n=POOL_NAME_LENGTH), field="name")
    return name


def create_pool(actor, round_: Round, name: str, kind: PoolKind, amount: Decimal,
                regions: list[str] = (), *, amount_field: str = "amount") -> Pool:
    require(policy.can_edit_round(actor, round_))
    round_ = lock_round(round_.id)
    name = _pool_name(name)
    if amount is None or amount < 0:
        raise NotAllowed(_l("金额不能为负数。"), field=amount_field)
    regions = check_regions(list(regions or []), "regions")
    if kind == PoolKind.TARGETED and not regions:
        raise NotAllowed(_l("定向扶持资金池需要选择至少一个县区。"), field="regions")
    if kind != PoolKind.TARGETED:
        regions = []
    if kind == PoolKind.GENERAL and any(p.kind == PoolKind.GENERAL for p in round_.pools):
        raise NotAllowed(_l("每个创投集市只有一个综合资金池。"), field="kind")
    amount_fen = to_fen(amount)
    _refuse_over_budget(round_, pooled_fen(round_.id), amount_fen, amount_field)
    pool = Pool(round=round_, name=name, kind=kind, amount_fen=amount_fen, regions=regions)
    db.session.add(pool)
    record("pool.create", pool, actor=actor, after=snapshot(pool, POOL_FIELDS))
    return pool


def update_pool(actor, pool: Pool, name: str, amount: Decimal,
                regions: list[str] = ()) -> Pool:
    require(policy.can_edit_round(actor, pool.round))
    round_ = lock_round(pool.round_id)
    name = _pool_name(name)
    if amount is None or amount < 0:
        raise NotAllowed(_l("金额不能为负数。"), field="amount")
    regions = check_regions(list(regions or []), "regions")
    if pool.kind == PoolKind.TARGETED and not regions:
        raise NotAllowed(_l("定向扶持资金池需要选择至少一个县区。"), field="regions")
    amount_fen = to_fen(amount)
    _refuse_over_budget(round_, pooled_fen(round_.id, exclude_pool_id=pool.id), amount_fen,
                        "amount")
    problem = contributions.pool_amount_problem(pool, amount)
    if problem:
        raise NotAllowed(problem, field="amount")
    before = snapshot(pool, POOL_FIELDS)
    pool.name = name
    pool.amount_fen = amount_fen
    pool.regions = regions if pool.kind == PoolKind.TARGETED else []
    record("pool.update", pool, actor=actor, before=before, after=snapshot(pool, POOL_FIELDS))
    return pool


def pool_in_use(pool: Pool) -> str | None:
    """Why the pool cannot be deleted (what depends on it), or None when nothing does."""
    db.session.flush()
    return contributions.in_use("pool", pool)


contributions.in_use_while_referenced(
    "pool", Challenge.pool_id,
    lambda n: ngettext("有 %(n)d 个命题使用这个资金池，不能删除。",
                       "有 %(n)d 个命题使用这个资金池，不能删除。", n, n=n), order=10)


def deletable_pools(user, round_) -> set[int]:
    """The round's pools whose 删除 button the page shows: the round still takes changes
    and nothing depends on the pool (delete_pool asks both again)."""
    if not policy.can_delete_from_round(user, round_) or not round_.pools:
        return set()
    return {p.id for p in round_.pools} - contributions.in_use_ids("pool", round_.pools)


def remove_pool(actor, pool: Pool) -> None:
    """Delete the pool, audited: its round is locked and nothing uses it (delete_pool, or a
    challenge's own pool deleted with its challenge)."""
    record("pool.delete", pool, actor=actor,
           before={"round_id": pool.round_id, **snapshot(pool, POOL_FIELDS)})
    db.session.delete(pool)
    db.session.flush()
    db.session.expire(pool.round, ["pools"])


def deleted_meanwhile(model, obj) -> bool:
    """Gone once the round's lock is ours: another request deleted it first."""
    if db.session.scalar(select(model.id).where(model.id == obj.id)) is not None:
        return False
    db.session.expunge(obj)
    return True


def delete_pool(actor, pool: Pool) -> None:
    """A pool made by mistake goes, as long as no challenge, application, ledger entry or
    award refers to it."""
    require(policy.can_manage_rounds(actor))
    round_ = lock_round(pool.round_id)
    if deleted_meanwhile(Pool, pool):
        return  # a double click: the first one deleted it
    require(policy.can_delete_from_round(actor, round_))
    reason = pool_in_use(pool)
    if reason:
        raise NotAllowed(reason)
    remove_pool(actor, pool)
