"""Money on the round's append-only ledger (see DESIGN.md "Money").

Every movement is a LedgerEntry written by `add_entry`; balances are sums of entries
(`pool_committed_fen`, `round_committed_fen`, …), never stored totals, and a correction is a
new entry. Invariants are checked after locking the rows they depend on, in the same
transaction as the insert, so they hold under concurrent requests:

- lock order, always the same (no deadlocks): round → pool → challenge → award, and for a
  decision on an application the application last (`lock_for_money`, `lock_in_order`;
  docs/architecture.md). On PostgreSQL these are `SELECT … FOR NO KEY UPDATE`. SQLite has no
  row locks and its driver starts a transaction only at the first write, so there a no-op
  UPDATE of the round row takes SQLite's write lock first: writers are then serialised and
  the sums read afterwards cannot change until we commit.
- the services flush and never commit; the caller commits once.

Release / payment / return (the finance engineer's part) follow the same pattern: lock with
`lock_for_money(round_id, pool_id, award_id=...)`, compute the balance from entries, refuse
with NotAllowed, then `add_entry(LedgerKind.RELEASE, ...)` with an idempotency key.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from marketplace.applications.models import Application
from marketplace.audit.services import record
from marketplace.core.money import format_yuan, from_fen, to_fen
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds.models import Award, AwardStatus, LedgerEntry, LedgerKind
from marketplace.funds.workflow import AWARD
from marketplace.organisations.policy import eligibility_region
from marketplace.rounds.models import Challenge, Pool, PoolKind, Round

# Awards that hold money and a challenge slot.
LIVE_AWARD_STATUSES = (AwardStatus.APPROVED, AwardStatus.AWARDED)


# --- locks --------------------------------------------------------------------------------

def _lock(model, row_id: int | None) -> None:
    if row_id is None:
        return
    if db.session.get_bind().dialect.name == "sqlite":
        # Takes SQLite's database write lock (waiting up to the busy timeout).
        table = model.__table__
        db.session.execute(update(table).where(table.c.id == row_id).values(id=table.c.id))
    else:
        # FOR NO KEY UPDATE: serialises money checks on the row without blocking inserts
        # of rows that merely reference it (foreign keys take KEY SHARE locks).
        db.session.execute(select(model.id).where(model.id == row_id)
                           .with_for_update(key_share=True))


def lock_for_money(round_id: int, pool_id: int | None = None, challenge_id: int | None = None,
                   award_id: int | None = None) -> None:
    """Lock the rows a money check depends on, always in the order round, pool, challenge,
    award. Call before summing the ledger, in the transaction that writes the entry."""
    lock_in_order(round_id, pool_ids=[pool_id], challenge_ids=[challenge_id],
                  award_ids=[award_id])


def lock_in_order(round_id: int, *, pool_ids: Iterable[int | None] = (),
                  challenge_ids: Iterable[int | None] = (), award_ids: Iterable[int | None] = (),
                  application_ids: Iterable[int | None] = ()) -> None:
    """Lock rows in the one order every money change and every decision uses: round →
    pools → challenges → awards → applications, each kind by ascending id. Two transactions
    that lock overlapping rows this way wait for each other instead of deadlocking; taking
    the round first also serialises every decision of a round (docs/architecture.md,
    "Lock order for decisions")."""
    db.session.flush()
    _lock(Round, round_id)
    if db.session.get_bind().dialect.name == "sqlite":
        return  # the database write lock already serialises every writer
    for model, ids in ((Pool, pool_ids), (Challenge, challenge_ids), (Award, award_ids),
                       (Application, application_ids)):
        for row_id in sorted({i for i in ids if i is not None}):
            _lock(model, row_id)


# --- balances (sums of entries) -------------------------------------------------------------

def _sum(kind: LedgerKind, *conditions) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
                                 .where(LedgerEntry.kind == kind, *conditions)) or 0)


def pool_committed_fen(pool_id: int) -> int:
    """Money promised from the pool: COMMIT minus DECOMMIT entries."""
    return (_sum(LedgerKind.COMMIT, LedgerEntry.pool_id == pool_id)
            - _sum(LedgerKind.DECOMMIT, LedgerEntry.pool_id == pool_id))


def round_committed_fen(round_id: int) -> int:
    return (_sum(LedgerKind.COMMIT, LedgerEntry.round_id == round_id)
            - _sum(LedgerKind.DECOMMIT, LedgerEntry.round_id == round_id))


def pool_remaining_fen(pool: Pool) -> int:
    return pool.amount_fen - pool_committed_fen(pool.id)


def award_committed_fen(award_id: int) -> int:
    return (_sum(LedgerKind.COMMIT, LedgerEntry.award_id == award_id)
            - _sum(LedgerKind.DECOMMIT, LedgerEntry.award_id == award_id))


def challenge_live_awards(challenge_id: int) -> int:
    """Awards (approved or awarded) of bids on the challenge: the slots taken."""
    return int(db.session.scalar(
        select(func.count(Award.id)).join(Application, Application.id == Award.application_id)
        .where(Application.challenge_id == challenge_id,
               Award.status.in_(LIVE_AWARD_STATUSES))) or 0)


# --- the ledger -------------------------------------------------------------------------------

def add_entry(kind: LedgerKind, *, round_id: int, amount_fen: int, actor=None,
              pool_id: int | None = None, award_id: int | None = None, note: str = "",
              tranche_index: int | None = None,
              idempotency_key: str | None = None) -> LedgerEntry:
    """Append one entry (the only way money moves). The caller has locked and checked."""
    if amount_fen <= 0:
        raise NotAllowed(_l("金额必须大于零。"), field="amount")
    entry = LedgerEntry(kind=kind, round_id=round_id, pool_id=pool_id, award_id=award_id,
                        amount_fen=amount_fen, note=note[:500], tranche_index=tranche_index,
                        idempotency_key=idempotency_key,
                        created_by_id=getattr(actor, "id", None))
    db.session.add(entry)
    db.session.flush()
    return entry


def tranche_plan(template: list[dict] | None, amount_fen: int) -> list[dict]:
    """The award's tranches from the round's template; amounts sum exactly to the award,
    the remainder fen going to the last tranche."""
    template = [t for t in (template or []) if int(t.get("percent") or 0) > 0]
    if not template:
        template = [{"label": "全额拨付", "percent": 100, "gate": "on_award"}]
    plan = []
    for index, tranche in enumerate(template):
        if index < len(template) - 1:
            amount = amount_fen * int(tranche["percent"]) // 100
        else:
            amount = amount_fen - sum(t["amount_fen"] for t in plan)
        plan.append({"label": tranche.get("label", ""), "percent": int(tranche["percent"]),
                     "gate": tranche.get("gate", "on_award"), "amount_fen": amount})
    return plan


def organisation_region(application: Application) -> str:
    """The applicant's county for a targeted pool: as frozen at submission (submitting needs a
    verified organisation, and a county change sends it back to verification, so that is a
    county staff verified), else the organisation's verified county."""
    snap = application.snapshot or {}
    org = snap.get("organisation") if isinstance(snap, dict) else None
    if isinstance(org, dict) and org.get("region"):
        return str(org["region"])
    if application.organisation is not None:
        return eligibility_region(application.organisation) or ""
    return application.region or ""


def check_pool_funds(pool: Pool, application: Application) -> None:
    """Which pool may pay for which application, refused with the reason: a bid only from its
    own challenge's pool; a challenge's pool only bids on that challenge (an open-call project
    would otherwise take its money without using a slot); a targeted pool only organisations
    in its regions."""
    challenge = application.challenge if application.challenge_id else None
    if challenge is not None:
        if challenge.pool_id is None:
            raise NotAllowed(_l("命题“%(title)s”还没有资金池，揭榜项目无法立项。",
                                title=challenge.title), field="pool_id")
        if pool.id != challenge.pool_id:
            raise NotAllowed(_l("揭榜项目只能从命题“%(title)s”的资金池立项。",
                                title=challenge.title), field="pool_id")
    elif pool.kind == PoolKind.CHALLENGE:
        raise NotAllowed(_l("命题资金池“%(pool)s”只资助该命题的揭榜项目。", pool=pool.name),
                         field="pool_id")
    region = organisation_region(application)
    if pool.kind == PoolKind.TARGETED and not pool.admits_region(region):
        raise NotAllowed(_l("申报组织所在地（%(region)s）不在定向扶持资金池“%(pool)s”的范围内。",
                            region=region or "—", pool=pool.name), field="pool_id")


def commit_award(application: Application, pool: Pool, amount: Decimal, actor) -> Award:
    """Create the Award (status approved) and its COMMIT entry, if the money fits.

    Refused (NotAllowed) when the pool may not fund the application (`check_pool_funds`),
    or the pool, the round's budget, the challenge's slots or cap per team would be
    exceeded. Permission and timing are the calling service's (review.services).
    """
    amount_fen = to_fen(amount)
    if amount_fen <= 0:
        raise NotAllowed(_l("立项金额必须大于零。"), field="amount")
    if pool is None or pool.round_id != application.round_id:
        raise NotAllowed(_l("请选择本年度项目的资金池。"), field="pool_id")
    challenge = application.challenge if application.challenge_id else None

    lock_for_money(application.round_id, pool.id, challenge.id if challenge else None)
    # Read again after the lock: the amounts may have changed since the page was loaded.
    db.session.refresh(pool)
    if challenge is not None:
        db.session.refresh(challenge)
    check_pool_funds(pool, application)
    round_budget = db.session.scalar(
        select(Round.total_budget_fen).where(Round.id == application.round_id))
    pool_amount = db.session.scalar(select(Pool.amount_fen).where(Pool.id == pool.id))

    if db.session.scalar(select(Award.id).where(Award.application_id == application.id)):
        raise NotAllowed(_l("这个项目已经有立项记录，不能重复立项。"))
    if challenge is not None:
        if challenge.cap_per_team_fen and amount_fen > challenge.cap_per_team_fen:
            raise NotAllowed(_l("超过命题每个团队的资助上限 %(cap)s。",
                                cap=format_yuan(challenge.cap_per_team_fen)), field="amount")
        if challenge_live_awards(challenge.id) >= challenge.slots:
            raise NotAllowed(_l("命题“%(title)s”的 %(n)d 个名额已满。", title=challenge.title,
                                n=challenge.slots), field="amount")
    remaining = pool_amount - pool_committed_fen(pool.id)
    if amount_fen > remaining:
        raise NotAllowed(_l("资金池“%(pool)s”余额不足：尚余 %(left)s，本次需要 %(need)s。",
                            pool=pool.name, left=format_yuan(remaining),
                            need=format_yuan(amount_fen)), field="amount")
    round_remaining = round_budget - round_committed_fen(application.round_id)
    if amount_fen > round_remaining:
        raise NotAllowed(_l("超出年度总预算：尚余 %(left)s，本次需要 %(need)s。",
                            left=format_yuan(round_remaining), need=format_yuan(amount_fen)),
                         field="amount")

    round_ = db.session.get(Round, application.round_id)
    award = Award(application_id=application.id, round_id=application.round_id,
                  pool_id=pool.id, amount_fen=amount_fen, status=AwardStatus.APPROVED,
                  tranche_plan=tranche_plan(round_.tranche_template, amount_fen),
                  approved_at=utcnow(), approved_by_id=getattr(actor, "id", None))
    db.session.add(award)
    db.session.flush()
    add_entry(LedgerKind.COMMIT, round_id=award.round_id, pool_id=pool.id, award_id=award.id,
              amount_fen=amount_fen, actor=actor, note=f"立项承诺：{application.title}")
    record("award.commit", award, actor=actor,
           after={"application_id": application.id, "pool_id": pool.id,
                  "amount": from_fen(amount_fen)})
    return award


def decommit_award(award: Award, reason: str, actor) -> LedgerEntry | None:
    """Withdraw an approval before 立项: the award is withdrawn and a DECOMMIT entry returns
    what it still holds to its pool. Payments, if any, are the finance side's to return."""
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed(_l("请填写撤销的理由。"), field="reason")
    lock_for_money(award.round_id, award.pool_id, award_id=award.id)
    db.session.refresh(award)
    if award.status not in LIVE_AWARD_STATUSES:
        raise NotAllowed(_l("这项立项已经撤销或终止。"))
    held = award_committed_fen(award.id)
    AWARD.move(actor, award, AwardStatus.WITHDRAWN,
               audit={"reason": reason, "returned": from_fen(held)})
    award.withdrawn_reason = reason
    entry = None
    if held > 0:
        entry = add_entry(LedgerKind.DECOMMIT, round_id=award.round_id, pool_id=award.pool_id,
                          award_id=award.id, amount_fen=held, actor=actor,
                          note=f"撤销立项：{reason}")
    return entry
