"""Tranches, releases, payments and returns (issue 12 §4): the gate, two people, one payment per
form, payees and blockers from funds.hooks, partial payments, returns, cuts — with the ledger
computed by hand."""
from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds import closing, hooks, services, tranches
from marketplace.funds.balances import balance
from marketplace.funds.invariants import violations
from marketplace.funds.models import Award, LedgerEntry, LedgerKind, TrancheState
from marketplace.funds.payment_models import (
    Payment,
    ReturnRequest,
    ReturnStatus,
    TrancheRelease,
)
from marketplace.organisations.models import Membership
from marketplace.review import decisions
from marketplace.rounds.models import Pool
from tests.factories import (
    PDF,
    ask_release,
    hook,
    make_application,
    make_awarded,
    make_finance,
    make_organizer,
    make_review_round,
    make_user,
    member_of,
    pay_tranche,
    payee_registered,
    release,
)

S = TrancheState
D = Decimal


@pytest.fixture
def payee(app):
    with payee_registered() as found:
        yield found


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _ledger(award) -> list[tuple]:
    return [(e.kind, e.amount_fen, e.tranche_id) for e in db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.award_id == award.id).order_by(LedgerEntry.id))]


# --- the gate -------------------------------------------------------------------------

def test_an_on_award_tranche_reads_releasable_without_a_write(app):
    award = make_awarded()
    first, second, _third = award.tranches
    assert first.state == S.SCHEDULED
    assert tranches.shown_state(award, first) == S.RELEASABLE
    assert tranches.shown_state(award, second) == S.SCHEDULED  # after_report: not registered
    assert tranches.gate_problem(award, second) == "尚不可用"


def test_a_gate_without_a_registered_check_is_not_met(app):
    award = make_awarded()
    with pytest.raises(NotAllowed, match="尚不可用"):
        tranches.request_release(make_organizer(), award.tranches[1])
    db.session.rollback()
    assert award.tranches[1].state == S.SCHEDULED


def test_a_registered_gate_check_decides(app):
    award = make_awarded()
    with hook(hooks.GATE_CHECKS, "after_report", lambda a: "中期报告尚未通过"):
        with pytest.raises(NotAllowed, match="中期报告尚未通过"):
            tranches.request_release(make_organizer(), award.tranches[1])
        db.session.rollback()
    with hook(hooks.GATE_CHECKS, "after_report", lambda a: None):
        ask_release(award.tranches[1])
    assert award.tranches[1].state == S.RELEASE_REQUESTED
    assert _actions()[-2:] == ["tranche.releasable", "tranche.request_release"]


def test_refresh_stores_releasable_for_met_gates_only(app):
    award = make_awarded()
    assert tranches.refresh_releasable(make_organizer(), award) == 1
    db.session.commit()
    assert [t.state for t in award.tranches] == [S.RELEASABLE, S.SCHEDULED, S.SCHEDULED]


def test_nothing_is_released_before_li_xiang(app):
    application = make_application(make_review_round(), requested="1000")
    award = decisions.approve_application(make_organizer(), application, D("1000"))
    db.session.commit()
    with pytest.raises(NotAllowed, match="立项"):
        tranches.request_release(make_organizer(), award.tranches[0])


# --- release and payment: the ledger by hand --------------------------------------------

def test_release_and_payment_write_the_ledger(app, payee):
    award = make_awarded()  # ¥3,000: ¥1,500 / ¥900 / ¥600
    first = award.tranches[0]
    organizer, finance = make_organizer(), make_finance()
    ask_release(first, organizer)
    assert _ledger(award) == [(LedgerKind.COMMIT, 300_000, None)]  # nothing yet
    tranches.approve_release(finance, first)
    db.session.commit()
    assert first.state == S.RELEASED
    pay_tranche(first, finance, "1000.00", voucher="记-2026-001")
    assert first.state == S.RELEASED  # partly paid
    pay_tranche(first, finance, "500.00", voucher="记-2026-002")
    assert first.state == S.PAID
    assert _ledger(award) == [(LedgerKind.COMMIT, 300_000, None),
                              (LedgerKind.RELEASE, 150_000, first.id),
                              (LedgerKind.PAYMENT, 100_000, first.id),
                              (LedgerKind.PAYMENT, 50_000, first.id)]
    b = balance(Award, award.id)
    assert (b.committed, b.released, b.paid, b.returned) == (D("3000.00"), D("1500.00"),
                                                              D("1500.00"), D("0.00"))
    payment = db.session.scalars(select(Payment).order_by(Payment.id)).first()
    assert (payment.payee_name, payment.payee_account, payment.voucher_number) == (
        "岱山县蓝色港湾志愿服务中心", "6228 4803 1234 5678 901", "记-2026-001")
    assert payment.masked_account == "6228 **** **** 8901"
    assert "tranche.release" in _actions() and _actions().count("payment.record") == 2
    assert _actions()[-1] == "tranche.paid"


def test_a_payment_beyond_the_released_tranche_is_refused(app, payee):
    award = make_awarded()
    release(award.tranches[0])
    with pytest.raises(NotAllowed, match="1,500.00") as refused:
        pay_tranche(award.tranches[0], amount="1500.01")
    assert refused.value.field == "amount"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_an_unreleased_tranche_cannot_be_paid(app, payee):
    award = make_awarded()
    ask_release(award.tranches[0])
    with pytest.raises(NotAllowed, match="尚未下达"):
        pay_tranche(award.tranches[0])


def test_released_never_passes_the_award(app, payee):
    award = make_awarded()
    with hook(hooks.GATE_CHECKS, "after_report", lambda a: None), \
            hook(hooks.GATE_CHECKS, "after_acceptance", lambda a: None):
        for t in award.tranches:
            release(t)
    assert balance(Award, award.id).released == award.amount
    # A cut leaves nothing more to release: the held commitment bounds it too.
    assert balance(Award, award.id).released <= balance(Award, award.id).amount


# --- two people --------------------------------------------------------------------------

def test_the_requester_may_not_approve_or_pay(app, payee):
    both = make_user(roles=[Role.ORGANIZER, Role.FINANCE])
    award = make_awarded()
    first = award.tranches[0]
    ask_release(first, both)
    with pytest.raises(NotAllowed, match="申请下达的人"):
        tranches.approve_release(both, first)
    db.session.rollback()
    tranches.approve_release(make_finance(), first)
    db.session.commit()
    with pytest.raises(NotAllowed, match="申请下达的人"):
        pay_tranche(first, both)
    db.session.rollback()
    pay_tranche(first)
    assert first.state == S.PAID


def test_the_database_refuses_one_person_requesting_and_approving(app):
    award = make_awarded()
    organizer = make_organizer()
    made = ask_release(award.tranches[0], organizer)
    entry = services.add_entry(LedgerKind.RELEASE, round_id=award.round_id,
                               pool_id=award.pool_id, award_id=award.id, amount_fen=1)
    made.released_by_id, made.entry_id = organizer.id, entry.id
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_only_finance_approves_and_only_the_organizer_requests(app, payee):
    award = make_awarded()
    first = award.tranches[0]
    with pytest.raises(NotAllowed):
        tranches.request_release(make_finance(), first)
    db.session.rollback()
    ask_release(first)
    with pytest.raises(NotAllowed):
        tranches.approve_release(make_organizer(), first)
    db.session.rollback()
    with pytest.raises(NotAllowed):
        tranches.approve_release(member_of(award), first)


def test_finance_may_not_pay_its_own_organisation(app, payee):
    award = make_awarded()
    release(award.tranches[0])
    finance = make_finance()
    db.session.add(Membership(organisation_id=award.application.organisation_id,
                              user_id=finance.id))
    db.session.commit()
    with pytest.raises(NotAllowed, match="自己所在组织"):
        pay_tranche(award.tranches[0], finance)


# --- idempotency ------------------------------------------------------------------------

def test_the_same_form_submitted_twice_makes_one_payment(app, payee):
    award = make_awarded()
    release(award.tranches[0])
    finance = make_finance()
    one = pay_tranche(award.tranches[0], finance, "700.00", key="form-1")
    again = pay_tranche(award.tranches[0], finance, "700.00", key="form-1")
    assert one.id == again.id
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert balance(Award, award.id).paid == D("700.00")
    with pytest.raises(NotAllowed, match="内容却不同"):
        pay_tranche(award.tranches[0], finance, "800.00", key="form-1")


def test_the_database_keeps_one_payment_per_key(app, payee):
    award = make_awarded()
    release(award.tranches[0])
    payment = pay_tranche(award.tranches[0], amount="100.00", key="k")
    db.session.add(Payment(**{c.name: getattr(payment, c.name) for c in Payment.__table__.columns
                              if c.name not in ("id", "entry_id")}, entry_id=payment.entry_id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- payee and blockers --------------------------------------------------------------------

def test_a_payment_without_a_payee_is_refused(app):
    award = make_awarded()
    release(award.tranches[0])
    with pytest.raises(NotAllowed, match="收款信息"):
        pay_tranche(award.tranches[0])


def test_a_payment_blocker_refuses_with_its_message(app, payee):
    award = make_awarded()
    release(award.tranches[0])
    with hook(hooks.PAYMENT_BLOCKERS, "account", lambda a: "收款账户变更尚待财务确认"):
        with pytest.raises(NotAllowed, match="收款账户变更尚待财务确认"):
            pay_tranche(award.tranches[0])
        db.session.rollback()
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    pay_tranche(award.tranches[0])  # the hold lifted


def test_a_scan_that_is_not_what_it_says_is_refused(app, payee):
    award = make_awarded()
    release(award.tranches[0])
    with pytest.raises(NotAllowed) as refused:
        tranches.record_payment(make_finance(), award.tranches[0], tranches.PaymentData(
            D("10.00"), date(2026, 1, 1), "v", idempotency_key="x"), "凭证.pdf", b"MZ\x90\x00")
    assert refused.value.field == "scan"


# --- returns ----------------------------------------------------------------------------

def test_a_return_request_and_the_money_paid_back(app, payee):
    award = make_awarded()
    release(award.tranches[0])
    pay_tranche(award.tranches[0])
    organizer, finance = make_organizer(), make_finance()
    requested = tranches.request_return(organizer, award, D("300.00"), "场地费结余")
    db.session.commit()
    assert requested.status == ReturnStatus.EXPECTED
    tranches.record_return(finance, award, tranches.ReturnData(
        D("100.00"), date(2026, 2, 1), "第一笔", requested.id, "r1"))
    db.session.commit()
    assert requested.status == ReturnStatus.EXPECTED
    tranches.record_return(finance, award, tranches.ReturnData(
        D("200.00"), date(2026, 2, 2), "第二笔", requested.id, "r2"))
    db.session.commit()
    assert requested.status == ReturnStatus.RECEIVED
    b = balance(Award, award.id)
    assert (b.released, b.paid, b.returned) == (D("1500.00"), D("1200.00"), D("300.00"))
    assert _ledger(award)[-2:] == [(LedgerKind.RETURN, 10_000, None),
                                   (LedgerKind.RETURN, 20_000, None)]
    assert {"return.request", "return.record", "return.settle"} <= set(_actions())


def test_more_than_was_paid_cannot_come_back(app, payee):
    award = make_awarded()
    release(award.tranches[0])
    pay_tranche(award.tranches[0], amount="100.00")
    with pytest.raises(NotAllowed, match="100.00"):
        tranches.record_return(make_finance(), award, tranches.ReturnData(
            D("100.01"), date(2026, 2, 1), "多退", None, "r"))
    db.session.rollback()
    with pytest.raises(NotAllowed):
        tranches.request_return(make_organizer(), award, D("100.01"), "多退")


def test_closing_asks_the_unspent_money_back_as_a_return_request(app, payee):
    award = make_awarded()
    release(award.tranches[0])
    pay_tranche(award.tranches[0])
    made = closing.request_unspent_return(make_organizer(), award)
    db.session.commit()
    assert isinstance(made, ReturnRequest) and made.amount == D("1500.00")


# --- cut, termination, withdrawal ----------------------------------------------------------

def test_a_cut_frees_the_unreleased_rest_and_cancels_unreleased_tranches(app, payee):
    award = make_awarded()
    pool_before = balance(Pool, award.pool_id).remaining
    release(award.tranches[0])
    pay_tranche(award.tranches[0], amount="1000.00")
    ask_release_second = award.tranches[1]
    with hook(hooks.GATE_CHECKS, "after_report", lambda a: None):
        ask_release(ask_release_second)
    tranches.cut_award(make_organizer(), award, "团队解散，终止资助")
    db.session.commit()
    assert [t.state for t in award.tranches] == [S.RELEASED, S.CANCELLED, S.CANCELLED]
    b = balance(Award, award.id)
    assert (b.committed, b.released, b.paid) == (D("1500.00"), D("1500.00"), D("1000.00"))
    assert balance(Pool, award.pool_id).remaining == pool_before + D("1500.00")
    assert _ledger(award)[-1] == (LedgerKind.DECOMMIT, 150_000, None)
    assert "award.cut" in _actions()
    pay_tranche(award.tranches[0], amount="500.00")  # what was released may still be paid
    assert award.tranches[0].state == S.PAID
    with pytest.raises(NotAllowed, match="全部下达"):
        tranches.cut_award(make_organizer(), award, "再核减")


def test_a_cut_after_a_return_frees_the_money_paid_back_too(app, payee):
    award = make_awarded()  # ¥1,500 / ¥900 / ¥600
    pool_before = balance(Pool, award.pool_id).remaining
    release(award.tranches[0])
    pay_tranche(award.tranches[0])
    tranches.record_return(make_finance(), award, tranches.ReturnData(
        D("400.00"), date(2026, 2, 1), "团队解散，结余退回", None, "return-1"))
    tranches.cut_award(make_organizer(), award, "团队解散，终止资助")
    db.session.commit()
    b = balance(Award, award.id)
    # ¥3,000 committed; ¥1,500 went out and ¥400 came back: ¥1,100 stays committed.
    assert (b.committed, b.released, b.paid, b.returned) == (
        D("1100.00"), D("1500.00"), D("1100.00"), D("400.00"))
    assert balance(Pool, award.pool_id).remaining == pool_before + D("1900.00")
    assert violations() == []


def test_a_withdrawn_award_cancels_its_tranches(app):
    application = make_application(make_review_round(), requested="1000")
    award = decisions.approve_application(make_organizer(), application, D("1000"))
    services.decommit_award(make_organizer(), award, "异议成立")
    db.session.commit()
    assert {t.state for t in award.tranches} == {S.CANCELLED}


def test_one_release_row_per_tranche(app):
    award = make_awarded()
    ask_release(award.tranches[0])
    db.session.add(TrancheRelease(tranche_id=award.tranches[0].id, award_id=award.id,
                                  requested_by_id=make_organizer().id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_refused_payment_leaves_no_file(app, payee, tmp_path):
    award = make_awarded()
    release(award.tranches[0])
    pay_tranche(award.tranches[0], amount="10.00")
    before = set(os.listdir(tranches.payments_dir()))
    with pytest.raises(NotAllowed):
        tranches.record_payment(make_finance(), award.tranches[0], tranches.PaymentData(
            D("99999.00"), date(2026, 1, 1), "v", idempotency_key="big"), "a.pdf", PDF)
    db.session.rollback()
    assert set(os.listdir(tranches.payments_dir())) == before
