"""Demo: tranches, releases, payments and returns on the delivery round's projects (a step of
funds/demo.py, after the sources and revised budgets, before the expenses).

Tranches in every state: planned dates on every live tranche; the organizer asks for the
first tranche of the first projects and finance approves one, pays one (with a voucher number
and its scan) and leaves one waiting; the first tranche of another project stands releasable
(its gate met, stored by the organizer's refresh); one project is cut (its open tranches
cancelled, its money back to the pool); one project paid is asked to return part and returns
some of it. Payments need the payee side (hooks.award_payee): where no payee is registered
or a PAYMENT_BLOCKERS check holds the project, the step leaves the tranche released.

Idempotent: a round whose projects already have a release request is left as it is.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.applications.models import Application
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db
from marketplace.funds import hooks, tranches
from marketplace.funds.models import Award, AwardStatus, TrancheState
from marketplace.funds.payment_models import TrancheRelease

ORGANIZER = "organizer@demo.example.org"
FINANCE = "finance@demo.example.org"
SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _count(context: dict, what: str, n: int = 1) -> None:
    created = context["created"]
    created[what] = created.get(what, 0) + n


def _awards(round_) -> list[Award]:
    return list(db.session.scalars(
        select(Award).join(Application, Application.id == Award.application_id)
        .where(Award.round_id == round_.id, Award.status == AwardStatus.AWARDED)
        .order_by(Award.id)))


def _pay(context: dict, finance, award: Award, tranche, voucher: str, amount=None) -> bool:
    if hooks.award_payee(award) is None or tranches.payment_blocker(award) is not None:
        return False
    try:
        tranches.record_payment(finance, tranche, tranches.PaymentData(
            amount=amount if amount is not None else tranche.amount,
            paid_on=to_local(utcnow()).date() - timedelta(days=3), voucher_number=voucher,
            note="演示数据", idempotency_key=f"demo-payment-{tranche.id}-{voucher}"),
            f"凭证{voucher[-3:]}.pdf", SCAN)
    except NotAllowed:
        return False
    _count(context, "payments")
    return True


def seed_payments(context: dict) -> dict:
    users = context.get("users") or {}
    organizer, finance = users.get(ORGANIZER), users.get(FINANCE)
    round_ = context.get("delivery_round")
    if organizer is None or finance is None or round_ is None:
        return {}
    awards = _awards(round_)
    if not awards or db.session.scalar(select(TrancheRelease.id).where(
            TrancheRelease.award_id.in_([a.id for a in awards])).limit(1)):
        return {}
    today = to_local(utcnow()).date()
    for n, award in enumerate(awards):
        for tranche in award.tranches:
            if tranche.planned_date is None:
                tranche.planned_date = today + timedelta(days=10 + 7 * n
                                                         + 60 * (tranche.index - 1))
    db.session.flush()

    def first(award):
        return award.tranches[0] if award.tranches else None

    steps = awards[:6]
    # 0: released and paid in full (then asked to return part, and returns some of it);
    # 1: released and paid in part; 2: released, waiting to be paid; 3: waiting for finance;
    # 4: releasable (the organizer's refresh stored it); 5: cut.
    for n, award in enumerate(steps[:4]):
        tranche = first(award)
        if tranche is None or tranche.state not in (TrancheState.SCHEDULED,
                                                    TrancheState.RELEASABLE):
            continue
        try:
            tranches.request_release(organizer, tranche)
            _count(context, "release requests")
            if n < 3:
                tranches.approve_release(finance, tranche)
                _count(context, "releases")
        except NotAllowed:
            continue
        if n == 0 and _pay(context, finance, award, tranche, "记-2026-0101"):
            paid = tranche.amount
            tranches.request_return(organizer, award, (paid / 10).quantize(Decimal("0.01")),
                                    "活动场地由合作单位免费提供，场地费结余退回。")
            tranches.record_return(finance, award, tranches.ReturnData(
                amount=(paid / 20).quantize(Decimal("0.01")), received_on=today,
                reason="场地费结余（第一笔）", idempotency_key=f"demo-return-{award.id}"))
            _count(context, "returns")
        if n == 1:
            _pay(context, finance, award, tranche, "记-2026-0102",
                 amount=(tranche.amount / 2).quantize(Decimal("0.01")))
    if len(steps) > 4:
        tranches.refresh_releasable(organizer, steps[4])
    if len(steps) > 5:
        tranches.cut_award(organizer, steps[5],
                           "项目组因人员变动只能完成部分活动，核减未下达的资助。")
        _count(context, "cut awards")
    db.session.flush()
    return {}


hooks.DEMO_STEPS["payments"] = (10, seed_payments)
