"""Releases, payments and returns: the money after 立项 on its way to the group and back.

Each change follows `funds.services.decommit_award`: lock round → pool → challenge → award
(`lock_for_money`), read the award again, ask the policy, sum the ledger (`funds.balances`),
refuse with a reason, write one ledger entry, move the tranche along its table
(`tranche_workflow.TRANCHE`), audit, queue the mails, flush — never commit.

- `request_release` (the organizer): the tranche's gate must be met (`gate_problem`); a
  tranche whose gate is met becomes releasable here, in the organizer's request, never while
  a page is only looked at.
- `approve_release` (finance, not the requester): the RELEASE entry; released ≤ award.
- `record_payment` (finance, not the requester): to the award's payee (`hooks.award_payee`),
  nothing any `hooks.PAYMENT_BLOCKERS` objects to, at most what the tranche has released and
  not paid; one payment per form (its idempotency key). The tranche is paid when its
  payments reach its amount.
- `request_return` / `record_return` (收回): money the group is asked to pay back, and money
  paid back (RETURN: paid − returned never below zero).
- `cut_award` (the organizer's termination or cut): the unreleased rest of the commitment
  and what was paid back go back to the pool (DECOMMIT), every tranche not yet released is
  cancelled.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User, UserRole
from marketplace.applications.attachments import (
    ATTACHMENT_KINDS,
    checked_scan,
)
from marketplace.audit.services import record
from marketplace.core.files import remove_on_rollback, upload_folder
from marketplace.core.money import MAX_AMOUNT, format_yuan, from_fen, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import to_local, utcnow
from marketplace.core.urls import mail_link
from marketplace.extensions import db
from marketplace.funds import hooks
from marketplace.funds import payment_policy as policy
from marketplace.funds.balances import balance, balances
from marketplace.funds.models import (
    LIVE_AWARD_STATUSES,
    Award,
    LedgerKind,
    Tranche,
    TrancheState,
)
from marketplace.funds.payment_models import (
    MoneyReturn,
    Payment,
    ReturnRequest,
    ReturnStatus,
    TrancheRelease,
)
from marketplace.funds.services import add_entry, lock_for_money
from marketplace.funds.tranche_workflow import RETURN_REQUEST, TRANCHE
from marketplace.notify.services import queue_mail
from marketplace.organisations.models import Membership
from marketplace.rounds.models import TrancheGate

T = TrancheState
NOT_AVAILABLE = _l("尚不可用")
OPEN_STATES = (T.SCHEDULED, T.RELEASABLE, T.RELEASE_REQUESTED)
# A tranche state's badge colour (templates/_macros.html tones).
TONES = {T.SCHEDULED: "secondary", T.RELEASABLE: "info", T.RELEASE_REQUESTED: "warning",
         T.RELEASED: "primary", T.PAID: "success", T.CANCELLED: "dark"}


# --- gates ---------------------------------------------------------------------------------------

def gate_problem(award: Award, tranche: Tranche) -> str | None:
    """None when the tranche's gate is met, else what is missing: `on_award` is met by 立项;
    other gates ask the check registered for them (hooks.GATE_CHECKS); a gate nobody has
    registered a check for is not met ("尚不可用")."""
    if tranche.gate == TrancheGate.ON_AWARD:
        return None
    check = hooks.GATE_CHECKS.get(tranche.gate.value)
    if check is None:
        return str(NOT_AVAILABLE)
    problem = check(award)
    return None if problem is None else str(problem)


def shown_state(award: Award, tranche: Tranche) -> TrancheState:
    """The state a page shows: a scheduled tranche whose gate is met now reads releasable
    (stored when the organizer acts on it: GET pages write nothing)."""
    if tranche.state == T.SCHEDULED and award.status in LIVE_AWARD_STATUSES \
            and gate_problem(award, tranche) is None:
        return T.RELEASABLE
    return tranche.state


def refresh_releasable(actor, award: Award) -> int:
    """Store releasable for each scheduled tranche of the award whose gate is met (the
    organizer's 刷新 and every request for a release). Returns how many moved."""
    moved = 0
    for tranche in award.tranches:
        if tranche.state == T.SCHEDULED and gate_problem(award, tranche) is None:
            TRANCHE.move(actor, tranche, T.RELEASABLE, check=False)
            moved += 1
    return moved


def _lock(award: Award) -> None:
    lock_for_money(award.round_id, award.pool_id,
                   award.application.challenge_id if award.application else None,
                   award_id=award.id)
    db.session.refresh(award)


def _refresh_tranche(tranche: Tranche) -> None:
    _lock(tranche.award)
    db.session.refresh(tranche)


def release_of(tranche: Tranche) -> TrancheRelease | None:
    return policy.release_of(tranche)


# --- releases ---------------------------------------------------------------------------------

def request_release(actor, tranche: Tranche) -> TrancheRelease:
    """The organizer asks finance to release the tranche (its gate met)."""
    _refresh_tranche(tranche)
    award = tranche.award
    require(policy.can_request_release(actor, tranche))
    if tranche.state == T.SCHEDULED:
        problem = gate_problem(award, tranche)
        if problem is not None:
            raise NotAllowed(_l("这一期的拨付条件尚未满足：%(problem)s", problem=problem))
        TRANCHE.move(actor, tranche, T.RELEASABLE, check=False)  # the gate decided, above
    if tranche.state != T.RELEASABLE:
        raise NotAllowed(_l("这一期已经申请下达或已处理，请刷新页面。"))
    TRANCHE.move(actor, tranche, T.RELEASE_REQUESTED,
                 audit={"tranche": tranche.index, "amount": tranche.amount})
    release = TrancheRelease(tranche_id=tranche.id, award_id=award.id,
                             requested_by_id=actor.id, requested_at=utcnow())
    db.session.add(release)
    db.session.flush()
    link = mail_link("funds.workbench")
    for user in finance_users(award):
        if user.id != actor.id:
            queue_mail(user.email, "funds/release_requested", user.locale, user=user,
                       award=award, application=award.application, tranche=tranche, link=link)
    return release


def approve_release(actor, tranche: Tranche):
    """Finance approves: the RELEASE entry for the tranche's amount. Released never passes the
    award's amount, nor what it still holds committed."""
    _refresh_tranche(tranche)
    award = tranche.award
    require(policy.can_approve_release(actor, tranche))
    if tranche.state != T.RELEASE_REQUESTED:
        raise NotAllowed(_l("这一期没有在等待审批下达，请刷新页面。"))
    figures = balance(Award, award.id)
    after = figures.released + tranche.amount
    if after > figures.amount or after > figures.committed:
        raise NotAllowed(_l("下达后累计 %(after)s 将超过立项金额 %(amount)s（尚承诺 %(held)s）。",
                            after=format_yuan(after), amount=format_yuan(figures.amount),
                            held=format_yuan(figures.committed)))
    entry = add_entry(LedgerKind.RELEASE, round_id=award.round_id, pool_id=award.pool_id,
                      award_id=award.id, tranche_id=tranche.id, amount_fen=tranche.amount_fen,
                      actor=actor, note=f"下达第 {tranche.index} 期")
    release = release_of(tranche)
    release.released_by_id = actor.id
    release.released_at = utcnow()
    release.entry_id = entry.id
    TRANCHE.move(actor, tranche, T.RELEASED,
                 audit={"tranche": tranche.index, "released": tranche.amount,
                        "award_released": after, "requested_by": release.requested_by_id})
    db.session.flush()
    return entry


# --- payments ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentData:
    amount: Decimal | None
    paid_on: date | None
    voucher_number: str
    note: str = ""
    idempotency_key: str = ""


def payments_dir() -> str:
    return upload_folder("payments")


def scan_path(payment: Payment) -> str:
    return os.path.join(payments_dir(), payment.scan_stored)


def _checked_scan(filename: str, data: bytes) -> tuple[str, str]:
    return checked_scan(filename, data, _l("请上传凭证扫描件。"))


def _key(text: str) -> str:
    key = (text or "").strip()[:64]
    if not key:
        raise NotAllowed(_l("表单已过期，请刷新页面后重新提交。"))
    return key


def payment_blocker(award: Award) -> str | None:
    for check in hooks.PAYMENT_BLOCKERS.values():
        problem = check(award)
        if problem is not None:
            return str(problem)
    return None


def tranche_paid_fen(tranche_id: int) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(Payment.amount_fen), 0))
                                 .where(Payment.tranche_id == tranche_id)) or 0)


def record_payment(actor, tranche: Tranche, data: PaymentData, filename: str = "",
                   scan: bytes = b"") -> Payment:
    """Finance records (part of) a released tranche as paid. The same form submitted again
    (same key, same figures) is the payment it made; the same key with other figures is
    refused."""
    key = _key(data.idempotency_key)
    _refresh_tranche(tranche)
    award = tranche.award
    earlier = db.session.scalar(select(Payment).where(Payment.idempotency_key == key))
    if earlier is not None:
        if (earlier.tranche_id == tranche.id and data.amount is not None
                and earlier.amount_fen == to_fen(data.amount) and earlier.paid_on == data.paid_on
                and earlier.voucher_number == (data.voucher_number or "").strip()):
            return earlier
        raise NotAllowed(_l("这张拨付表单已经提交过，内容却不同；请刷新页面后重新填写。"))
    require(policy.can_record_payment(actor, tranche))
    if tranche.state != T.RELEASED:
        raise NotAllowed(_l("这一期尚未下达或已经付清，不能登记拨付。"))
    problem = payment_blocker(award)
    if problem is not None:
        raise NotAllowed(problem)
    payee = hooks.award_payee(award)
    if payee is None:
        raise NotAllowed(_l("这个项目还没有收款信息，不能拨付。"))
    if data.amount is None or data.amount <= 0:
        raise NotAllowed(_l("请填写大于零的拨付金额。"), field="amount")
    if data.amount > MAX_AMOUNT:
        raise NotAllowed(_l("金额过大。"), field="amount")
    if data.paid_on is None:
        raise NotAllowed(_l("请填写拨付日期。"), field="paid_on")
    if data.paid_on > to_local(utcnow()).date():
        raise NotAllowed(_l("拨付日期不能晚于今天。"), field="paid_on")
    voucher = " ".join((data.voucher_number or "").split())
    if not voucher:
        raise NotAllowed(_l("请填写凭证号。"), field="voucher_number")
    if len(voucher) > 64:
        raise NotAllowed(_l("不能超过 %(n)d 个字。", n=64), field="voucher_number")
    note = " ".join((data.note or "").split())[:500]
    amount_fen = to_fen(data.amount)
    of_tranche = balance(Tranche, tranche.id)
    unpaid_fen = to_fen(of_tranche.released) - tranche_paid_fen(tranche.id)
    if amount_fen > unpaid_fen:
        raise NotAllowed(_l("本期已下达未拨付的只有 %(left)s。", left=format_yuan(from_fen(
            unpaid_fen))), field="amount")
    of_award = balance(Award, award.id)
    if of_award.paid + data.amount > min(of_award.released, of_award.committed):
        raise NotAllowed(_l("拨付后累计将超过项目已下达的 %(released)s。",
                            released=format_yuan(of_award.released)), field="amount")
    name, kind = _checked_scan(filename, scan)

    entry = add_entry(LedgerKind.PAYMENT, round_id=award.round_id, pool_id=award.pool_id,
                      award_id=award.id, tranche_id=tranche.id, amount_fen=amount_fen,
                      actor=actor, idempotency_key=key,
                      note=f"拨付第 {tranche.index} 期，凭证号 {voucher}")
    stored = secrets.token_hex(16)
    payment = Payment(award_id=award.id, tranche_id=tranche.id, entry_id=entry.id,
                      amount_fen=amount_fen, paid_on=data.paid_on, voucher_number=voucher,
                      payee_name=payee.account_name, payee_bank=payee.bank,
                      payee_account=payee.account_number, host_unit=payee.host_unit, note=note,
                      scan_name=name, scan_stored=stored, scan_type=ATTACHMENT_KINDS[kind][1],
                      scan_size=len(scan), scan_sha256=hashlib.sha256(scan).hexdigest(),
                      idempotency_key=key, recorded_by_id=actor.id, recorded_at=utcnow())
    path = os.path.join(payments_dir(), stored)
    with open(path, "xb") as out:
        remove_on_rollback(path)  # a request that does not commit removes the file again
        out.write(scan)
    db.session.add(payment)
    db.session.flush()
    record("payment.record", payment, actor=actor,
           before={"tranche_paid": from_fen(tranche_paid_fen(tranche.id) - amount_fen)},
           after={"award_id": award.id, "tranche": tranche.index, "amount": data.amount,
                  "paid_on": data.paid_on, "voucher_number": voucher,
                  "payee": payee.masked, "scan": name, "sha256": payment.scan_sha256})
    if tranche_paid_fen(tranche.id) >= tranche.amount_fen:
        TRANCHE.move(actor, tranche, T.PAID, check=False)  # its payments decided
    _mail_group(award, "funds/payment_recorded", payment=payment, tranche=tranche)
    return payment


# --- returns ---------------------------------------------------------------------------------

def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise NotAllowed(_l("请填写理由。"), field="reason")
    if len(text) > 2000:
        raise NotAllowed(_l("不能超过 %(n)d 个字。", n=2000), field="reason")
    return text


def request_return(actor, award: Award, amount: Decimal, reason: str) -> ReturnRequest:
    """The group is asked to pay money back (closing, a cut, a finding): finance sees it
    among the returns expected until what comes back covers it."""
    _lock(award)
    require(policy.can_request_return(actor, award))
    text = _reason(reason)
    if amount is None or amount <= 0:
        raise NotAllowed(_l("请填写大于零的金额。"), field="amount")
    paid = balance(Award, award.id).paid
    if amount > paid:
        raise NotAllowed(_l("要求退回的金额不能超过项目手中的 %(paid)s。",
                            paid=format_yuan(paid)), field="amount")
    request = ReturnRequest(award_id=award.id, amount_fen=to_fen(amount), reason=text,
                            status=ReturnStatus.EXPECTED, requested_by_id=getattr(actor, "id",
                                                                                  None),
                            requested_at=utcnow())
    db.session.add(request)
    db.session.flush()
    record("return.request", request, actor=actor,
           after={"award_id": award.id, "amount": from_fen(request.amount_fen),
                  "reason": text})
    _mail_group(award, "funds/return_requested", request=request)
    return request


@dataclass(frozen=True)
class ReturnData:
    amount: Decimal | None
    received_on: date | None
    reason: str
    return_request_id: int | None = None
    idempotency_key: str = ""


def received_fen(return_request_id: int) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(MoneyReturn.amount_fen), 0))
                                 .where(MoneyReturn.return_request_id == return_request_id)) or 0)


def record_return(actor, award: Award, data: ReturnData) -> MoneyReturn:
    """Finance records money the group paid back (RETURN), against a request or not."""
    key = _key(data.idempotency_key)
    _lock(award)
    earlier = db.session.scalar(select(MoneyReturn).where(MoneyReturn.idempotency_key == key))
    if earlier is not None:
        if (earlier.award_id == award.id and data.amount is not None
                and earlier.amount_fen == to_fen(data.amount)
                and earlier.received_on == data.received_on):
            return earlier
        raise NotAllowed(_l("这张表单已经提交过，内容却不同；请刷新页面后重新填写。"))
    require(policy.can_record_return(actor, award))
    request = None
    if data.return_request_id is not None:
        request = db.session.get(ReturnRequest, data.return_request_id)
        if request is None or request.award_id != award.id \
                or request.status != ReturnStatus.EXPECTED:
            raise NotAllowed(_l("请选择这个项目待退回的一笔。"), field="return_request_id")
    if data.amount is None or data.amount <= 0:
        raise NotAllowed(_l("请填写大于零的金额。"), field="amount")
    if data.received_on is None:
        raise NotAllowed(_l("请填写收到退回的日期。"), field="received_on")
    if data.received_on > to_local(utcnow()).date():
        raise NotAllowed(_l("日期不能晚于今天。"), field="received_on")
    text = _reason(data.reason)
    paid = balance(Award, award.id).paid
    if data.amount > paid:
        raise NotAllowed(_l("退回的金额不能超过已拨付给项目的 %(paid)s。", paid=format_yuan(paid)),
                         field="amount")
    entry = add_entry(LedgerKind.RETURN, round_id=award.round_id, pool_id=award.pool_id,
                      award_id=award.id, amount_fen=to_fen(data.amount), actor=actor,
                      idempotency_key=key, note=f"收回：{text}")
    money = MoneyReturn(award_id=award.id, return_request_id=request.id if request else None,
                        entry_id=entry.id, amount_fen=to_fen(data.amount),
                        received_on=data.received_on, reason=text, idempotency_key=key,
                        recorded_by_id=actor.id, recorded_at=utcnow())
    db.session.add(money)
    db.session.flush()
    record("return.record", money, actor=actor,
           before={"paid": paid},
           after={"award_id": award.id, "amount": data.amount, "reason": text,
                  "paid": paid - data.amount,
                  "return_request_id": request.id if request else None})
    if request is not None and received_fen(request.id) >= request.amount_fen:
        RETURN_REQUEST.move(actor, request, ReturnStatus.RECEIVED,
                            audit={"received": from_fen(received_fen(request.id))})
    return money


# --- cut, termination ----------------------------------------------------------------------------

def cancel_unreleased(actor, award: Award) -> list[int]:
    """Cancel every tranche not yet released; returns their indexes. The caller has locked
    the award and decided."""
    cancelled = []
    for tranche in award.tranches:
        if tranche.state in OPEN_STATES:
            TRANCHE.move(actor, tranche, T.CANCELLED, check=False)  # the caller decided
            cancelled.append(tranche.index)
    return cancelled


def cut_award(actor, award: Award, reason: str):
    """The organizer terminates or cuts the award to what has gone out and stayed out: the
    unreleased rest of its commitment and the money paid back (committed − (released −
    returned)) go back to the pool (DECOMMIT), and every tranche not yet released is
    cancelled. Released tranches may still be paid (net payments never pass the commitment
    that remains); money the group should still give back is a return request, and once it
    comes back another cut frees it too."""
    _lock(award)
    require(policy.can_cut_award(actor, award))
    text = _reason(reason)
    figures = balance(Award, award.id)
    freed = figures.committed - (figures.released - figures.returned)
    if freed <= 0:
        raise NotAllowed(_l("这项资助已经全部下达，没有可以核减的金额。"))
    cancelled = cancel_unreleased(actor, award)
    entry = add_entry(LedgerKind.DECOMMIT, round_id=award.round_id, pool_id=award.pool_id,
                      award_id=award.id, amount_fen=to_fen(freed), actor=actor,
                      note=f"核减资助：{text}")
    record("award.cut", award, actor=actor,
           before={"committed": figures.committed, "released": figures.released,
                   "paid": figures.paid},
           after={"committed": figures.committed - freed, "freed": freed,
                  "cancelled_tranches": cancelled, "reason": text})
    return entry


# --- who hears of it -----------------------------------------------------------------------------

def finance_users(award: Award) -> list[User]:
    outside = award.application.organisation_id
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.FINANCE, User.disabled_at.is_(None),
               ~select(Membership.id).where(Membership.user_id == User.id,
                                            Membership.organisation_id == outside).exists())
        .order_by(User.id)))


def _mail_group(award: Award, template: str, **context) -> None:
    application = award.application
    link = mail_link("funds.project_money", app_id=application.id)
    for membership in application.organisation.memberships:
        user = membership.user
        queue_mail(user.email, template, user.locale, user=user, award=award,
                   application=application, link=link, **context)


def tranche_figures(award_ids: list[int]) -> dict[int, dict]:
    """Per tranche of the awards: released and paid (two statements however many)."""
    of = balances(Tranche, award_id=award_ids) if award_ids else {}
    paid = dict(db.session.execute(
        select(Payment.tranche_id, func.sum(Payment.amount_fen)).where(
            Payment.award_id.in_(award_ids)).group_by(Payment.tranche_id)).all()) \
        if award_ids else {}
    return {tid: {"released": b.released, "paid": from_fen(int(paid.get(tid) or 0))}
            for tid, b in of.items()}
