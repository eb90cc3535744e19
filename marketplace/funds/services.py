"""Money on the round's append-only ledger (see DESIGN.md "Money").

Every movement is a LedgerEntry written by `add_entry`; balances are sums of entries
(`funds.balances`), never stored totals, and a correction is a new entry. Invariants are
checked after locking the rows they depend on, in the same transaction as the insert, so
they hold under concurrent requests:

- lock order, always the same (no deadlocks): round → pool → challenge → award, and for a
  decision on an application the application last (`lock_for_money`, `lock_in_order`, built
  on `core.locks.lock_rows`; docs/architecture.md).
- the services flush and never commit; the caller commits once.

Release / payment / return (the payments issue) follow the same pattern: lock with
`lock_for_money(round_id, pool_id, award_id=...)`, read `balance(Award, award_id)`, refuse
with NotAllowed, then `add_entry(LedgerKind.RELEASE, ..., tranche_id=...)` with an
idempotency key.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from marketplace.applications import routing
from marketplace.applications.models import Application
from marketplace.audit.services import record
from marketplace.core.locks import lock_rows
from marketplace.core.money import format_yuan, from_fen, to_fen
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds import sources
from marketplace.funds.balances import balance
from marketplace.funds.models import (
    LIVE_AWARD_STATUSES,
    Award,
    AwardStatus,
    LedgerEntry,
    LedgerKind,
    Tranche,
    TrancheState,
)
from marketplace.funds.tranche_workflow import TRANCHE
from marketplace.funds.workflow import AWARD
from marketplace.rounds import contributions
from marketplace.rounds.models import Challenge, Pool, Round, TrancheGate

# --- locks --------------------------------------------------------------------------------

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
    for model, ids in ((Round, [round_id]), (Pool, pool_ids), (Challenge, challenge_ids),
                       (Award, award_ids), (Application, application_ids)):
        lock_rows(model, ids)


def challenge_live_awards(challenge_id: int) -> int:
    """Awards (approved or awarded) of bids on the challenge: the slots taken."""
    return int(db.session.scalar(
        select(func.count(Award.id)).join(Application, Application.id == Award.application_id)
        .where(Application.challenge_id == challenge_id,
               Award.status.in_(LIVE_AWARD_STATUSES))) or 0)


# --- the ledger -------------------------------------------------------------------------------

def add_entry(kind: LedgerKind, *, round_id: int, amount_fen: int, actor=None,
              pool_id: int | None = None, award_id: int | None = None, note: str = "",
              tranche_id: int | None = None, imported: bool = False,
              idempotency_key: str | None = None) -> LedgerEntry:
    """Append one entry (the only way money moves on the platform; history imported from
    before it is `record_imported_payment`). The caller has locked and checked."""
    if amount_fen <= 0:
        raise NotAllowed(_l("金额必须大于零。"), field="amount")
    entry = LedgerEntry(kind=kind, round_id=round_id, pool_id=pool_id, award_id=award_id,
                        amount_fen=amount_fen, note=note[:500], tranche_id=tranche_id,
                        imported=imported, idempotency_key=idempotency_key,
                        created_by_id=getattr(actor, "id", None))
    # Who the money comes from: the pool's source, or the award's (funds/sources.py).
    entry.source_id = sources.source_for_entry(kind, pool_id, award_id, amount_fen)
    db.session.add(entry)
    db.session.flush()
    return entry


FULL_PAYMENT = {"label": "全额拨付", "percent": 100, "gate": TrancheGate.ON_AWARD.value}


def plan_tranches(template: list[dict] | None, amount_fen: int) -> list[Tranche]:
    """The award's tranches from the round's template (unsaved): each its percent of the
    amount rounded down to the fen, the last taking the remainder, so they sum exactly to
    the award. No template: one tranche of the whole amount on award."""
    template = [t for t in (template or []) if int(t.get("percent") or 0) > 0] or [FULL_PAYMENT]
    tranches: list[Tranche] = []
    for index, row in enumerate(template, start=1):
        if index < len(template):
            amount = amount_fen * int(row["percent"]) // 100
        else:
            amount = amount_fen - sum(t.amount_fen for t in tranches)
        tranches.append(Tranche(index=index, label=str(row.get("label", ""))[:200],
                                percent=int(row["percent"]), amount_fen=amount,
                                gate=TrancheGate(row.get("gate") or TrancheGate.ON_AWARD),
                                state=TrancheState.SCHEDULED))
    return tranches


def record_imported_payment(actor, award: Award, paid_at: datetime) -> None:
    """An award imported from before the platform (a finished project of a closed round) was
    paid in full: it gets one paid tranche of its whole amount and its COMMIT, RELEASE and
    PAYMENT entries, marked imported, so that balances are sums of entries for every year.
    Added to the session, not flushed: an import adds many at once."""
    tranche = Tranche(index=1, label=FULL_PAYMENT["label"], percent=100,
                      amount_fen=award.amount_fen, gate=TrancheGate.ON_AWARD,
                      state=TrancheState.PAID)
    award.tranches.append(tranche)
    for kind in (LedgerKind.COMMIT, LedgerKind.RELEASE, LedgerKind.PAYMENT):
        db.session.add(LedgerEntry(
            kind=kind, round=award.round, pool_id=award.pool_id, award=award,
            tranche=None if kind == LedgerKind.COMMIT else tranche,
            amount_fen=award.amount_fen, imported=True, note="历史数据导入：全额拨付",
            created_at=paid_at, created_by_id=getattr(actor, "id", None)))


def organisation_region(application: Application) -> str:
    """The applicant's county for a targeted pool (applications.routing.funding_region)."""
    return routing.funding_region(application.organisation, application)


def check_pool_funds(pool: Pool, application: Application) -> None:
    """Which pool may pay for which application, refused with the reason: the rule that
    routes applications to pools (applications.routing.pool_admits) — a bid only from its own
    challenge's pool; a challenge's pool only bids on that challenge; a targeted pool only
    organisations in its regions."""
    admitted = routing.application_admitted(pool, application)
    if not admitted:
        raise NotAllowed(admitted.reason, field="pool_id")


def require_room(pool: Pool, round_id: int, amount_fen: int) -> None:
    """The amount fits what the pool and the round's budget have left (under their locks)."""
    amount = from_fen(amount_fen)
    remaining = balance(Pool, pool.id).remaining
    if amount > remaining:
        raise NotAllowed(_l("资金池“%(pool)s”余额不足：尚余 %(left)s，本次需要 %(need)s。",
                            pool=pool.name, left=format_yuan(remaining),
                            need=format_yuan(amount)), field="amount")
    round_remaining = balance(Round, round_id).remaining
    if amount > round_remaining:
        raise NotAllowed(_l("超出年度总预算：尚余 %(left)s，本次需要 %(need)s。",
                            left=format_yuan(round_remaining), need=format_yuan(amount)),
                         field="amount")


def commit_award(actor, application: Application, pool: Pool, amount: Decimal) -> Award:
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

    earlier = db.session.scalar(select(Award).where(Award.application_id == application.id)
                                .execution_options(populate_existing=True))
    if earlier is not None and (earlier.status != AwardStatus.WITHDRAWN or earlier.imported
                                or _moved_beyond_commitment(earlier)):
        raise NotAllowed(_l("这个项目已经有立项记录，不能重复立项。"))
    if challenge is not None:
        if challenge.cap_per_team_fen and amount_fen > challenge.cap_per_team_fen:
            raise NotAllowed(_l("超过命题每个团队的资助上限 %(cap)s。",
                                cap=format_yuan(challenge.cap_per_team_fen)), field="amount")
        if challenge_live_awards(challenge.id) >= challenge.slots:
            raise NotAllowed(_l("命题“%(title)s”的 %(n)d 个名额已满。", title=challenge.title,
                                n=challenge.slots), field="amount")
    require_room(pool, application.round_id, amount_fen)

    round_ = db.session.get(Round, application.round_id)
    if earlier is not None:
        # The application's one award (award.application_id is unique), withdrawn by an
        # earlier change of decision, comes back with this decision's pool and amount.
        award = earlier
        before = {"pool_id": award.pool_id, "amount": award.amount}
        _replan(award, round_, amount_fen)
        award.pool_id, award.amount_fen = pool.id, amount_fen
        award.withdrawn_reason = None
        award.approved_at, award.approved_by_id = utcnow(), getattr(actor, "id", None)
        AWARD.move(actor, award, AwardStatus.APPROVED, audit_before=before,
                   audit={"pool_id": pool.id, "amount": from_fen(amount_fen)})
    else:
        award = Award(application_id=application.id, round_id=application.round_id,
                      pool_id=pool.id, amount_fen=amount_fen, status=AwardStatus.APPROVED,
                      tranches=plan_tranches(round_.tranche_template, amount_fen),
                      approved_at=utcnow(), approved_by_id=getattr(actor, "id", None))
        db.session.add(award)
    db.session.flush()
    add_entry(LedgerKind.COMMIT, round_id=award.round_id, pool_id=pool.id, award_id=award.id,
              amount_fen=amount_fen, actor=actor, note=f"立项承诺：{application.title}")
    record("award.commit", award, actor=actor,
           after={"application_id": application.id, "pool_id": pool.id,
                  "amount": from_fen(amount_fen)})
    return award


def decommit_award(actor, award: Award, reason: str) -> LedgerEntry | None:
    """Withdraw an approval before 立项: the award is withdrawn and a DECOMMIT entry returns
    what it still holds to its pool. Payments, if any, are the finance side's to return."""
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed(_l("请填写撤销的理由。"), field="reason")
    lock_for_money(award.round_id, award.pool_id, award_id=award.id)
    db.session.refresh(award)
    if award.status not in LIVE_AWARD_STATUSES:
        raise NotAllowed(_l("这项立项已经撤销或终止。"))
    held = balance(Award, award.id).committed
    AWARD.move(actor, award, AwardStatus.WITHDRAWN, audit={"reason": reason, "returned": held})
    award.withdrawn_reason = reason
    for tranche in award.tranches:
        if tranche.state in (TrancheState.SCHEDULED, TrancheState.RELEASABLE,
                             TrancheState.RELEASE_REQUESTED):
            # The award's withdrawal decided: its tranches will never be released.
            TRANCHE.move(actor, tranche, TrancheState.CANCELLED, check=False)
    entry = None
    if held > 0:
        entry = add_entry(LedgerKind.DECOMMIT, round_id=award.round_id, pool_id=award.pool_id,
                          award_id=award.id, amount_fen=to_fen(held), actor=actor,
                          note=f"撤销立项：{reason}")
    return entry


def _moved_beyond_commitment(award: Award) -> bool:
    """Whether any money of the award went further than the commitment (released, paid):
    then its amount and pool are the finance side's history and no decision changes them."""
    return bool(db.session.scalar(select(LedgerEntry.id).where(
        LedgerEntry.award_id == award.id,
        LedgerEntry.kind.not_in((LedgerKind.COMMIT, LedgerKind.DECOMMIT))).limit(1)))


def _replan(award: Award, round_: Round, amount_fen: int) -> None:
    """The award's tranches for a new amount, from the round's template. Rows are updated
    in place where the plan keeps its length (a delete and an insert of the same (award,
    index) in one flush would meet the unique constraint)."""
    plan = plan_tranches(round_.tranche_template, amount_fen)
    if len(plan) != len(award.tranches):
        award.tranches.clear()
        db.session.flush()
        award.tranches.extend(plan)
        return
    for tranche, planned in zip(award.tranches, plan, strict=True):
        tranche.label, tranche.percent = planned.label, planned.percent
        tranche.amount_fen, tranche.gate = planned.amount_fen, planned.gate


def change_award(actor, award: Award, pool: Pool, amount: Decimal, reason: str) -> Award:
    """Another amount or another pool for an approval not yet published (a changed decision,
    review.decisions.change_decision): a DECOMMIT entry gives what the award holds back to
    its pool, then a COMMIT entry takes the new amount from the new pool, if it fits — the
    pool, the round's budget and the challenge's cap per team (the award keeps its slot).
    Locks round → both pools → challenge → award, as every money change."""
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed(_l("请填写更改的理由。"), field="reason")
    amount_fen = to_fen(amount)
    if amount_fen <= 0:
        raise NotAllowed(_l("立项金额必须大于零。"), field="amount")
    application = award.application
    if pool is None or pool.round_id != award.round_id:
        raise NotAllowed(_l("请选择本年度项目的资金池。"), field="pool_id")
    challenge = application.challenge if application.challenge_id else None
    lock_in_order(award.round_id, pool_ids=[award.pool_id, pool.id],
                  challenge_ids=[challenge.id if challenge else None], award_ids=[award.id])
    db.session.refresh(award)
    db.session.refresh(pool)
    if award.status != AwardStatus.APPROVED or _moved_beyond_commitment(award):
        raise NotAllowed(_l("只有公示前的拟立项可以更改金额或资金池。"))
    if award.pool_id == pool.id and award.amount_fen == amount_fen:
        raise NotAllowed(_l("金额和资金池都没有变化。"), field="amount")
    check_pool_funds(pool, application)
    if challenge is not None:
        db.session.refresh(challenge)
        if challenge.cap_per_team_fen and amount_fen > challenge.cap_per_team_fen:
            raise NotAllowed(_l("超过命题每个团队的资助上限 %(cap)s。",
                                cap=format_yuan(challenge.cap_per_team_fen)), field="amount")
    before = {"pool_id": award.pool_id, "amount": award.amount}
    held = balance(Award, award.id).committed
    if held > 0:
        add_entry(LedgerKind.DECOMMIT, round_id=award.round_id, pool_id=award.pool_id,
                  award_id=award.id, amount_fen=to_fen(held), actor=actor,
                  note=f"更改决定：{reason}")
    # What is free now includes what this award just gave back (same transaction, flushed).
    require_room(pool, award.round_id, amount_fen)
    _replan(award, db.session.get(Round, award.round_id), amount_fen)
    award.pool_id, award.amount_fen = pool.id, amount_fen
    db.session.flush()
    add_entry(LedgerKind.COMMIT, round_id=award.round_id, pool_id=pool.id, award_id=award.id,
              amount_fen=amount_fen, actor=actor, note=f"更改决定：{application.title}")
    record("award.change", award, actor=actor, before=before,
           after={"pool_id": pool.id, "amount": amount, "reason": reason})
    return award


# --- what the rounds domain asks (rounds/contributions.py) ----------------------------------

contributions.in_use_while_referenced(
    "pool", LedgerEntry.pool_id,
    lambda n: ngettext("资金台账中有 %(n)d 条记录涉及这个资金池，不能删除。",
                       "资金台账中有 %(n)d 条记录涉及这个资金池，不能删除。", n, n=n), order=30)
contributions.in_use_while_referenced(
    "pool", Award.pool_id,
    lambda n: ngettext("有 %(n)d 项资助决定来自这个资金池，不能删除。",
                       "有 %(n)d 项资助决定来自这个资金池，不能删除。", n, n=n), order=40)


@contributions.pool_amount_check
def _committed_from_pool(pool: Pool, amount: Decimal):
    """A pool keeps at least what it has committed."""
    committed = balance(Pool, pool.id).committed
    if amount < committed:
        return _l("该资金池已承诺 %(committed)s，金额不能低于这个数。",
                  committed=format_yuan(committed))
    return None
