"""Under concurrent requests (real threads; PostgreSQL row locks, SQLite's write lock):
parallel payments on one tranche never pay more than it released, a double-clicked payment
form pays once, parallel releases never pass what the award holds — and `flask funds check`
finds nothing wrong afterwards."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.funds import hooks, services, tranches
from marketplace.funds.balances import balance
from marketplace.funds.models import Award, LedgerEntry, LedgerKind, Tranche
from marketplace.funds.payment_models import Payment
from tests.concurrency import race
from tests.factories import (
    ask_release,
    hook,
    make_awarded,
    make_finance,
    make_organizer,
    payee_registered,
    release,
)

M = 5


@pytest.fixture
def payee(app):
    with payee_registered() as found:
        yield found


def _funds_check(app) -> None:
    result = app.test_cli_runner().invoke(args=["funds", "check"])
    assert result.exit_code == 0, result.output


def test_parallel_payments_never_pay_more_than_the_tranche(app, payee):
    award = make_awarded()  # first tranche ¥1,500
    release(award.tranches[0])
    tranche_id, finance_id = award.tranches[0].id, make_finance().id
    db.session.remove()

    def pay(n: int, start) -> None:
        tranche = db.session.get(Tranche, tranche_id)
        finance = db.session.get(User, finance_id)
        _ = tranche.award.application.organisation.memberships
        start()
        tranches.record_payment(finance, tranche, tranches.PaymentData(
            Decimal("600.00"), date(2026, 1, 5), f"记-{n}", idempotency_key=f"race-{n}"),
            "v.pdf", b"%PDF-1.4 v")

    assert race(app, M, pay) == ["ok"] * 2 + ["refused"] * (M - 2)
    assert balance(Tranche, tranche_id).paid == Decimal("1200.00")
    _funds_check(app)


def test_a_double_clicked_payment_form_pays_once(app, payee):
    award = make_awarded()
    release(award.tranches[0])
    tranche_id, finance_id = award.tranches[0].id, make_finance().id
    db.session.remove()

    def pay(n: int, start) -> None:
        tranche = db.session.get(Tranche, tranche_id)
        finance = db.session.get(User, finance_id)
        _ = tranche.award.application.organisation.memberships
        start()
        tranches.record_payment(finance, tranche, tranches.PaymentData(
            Decimal("1500.00"), date(2026, 1, 5), "记-1", idempotency_key="same-form"),
            "v.pdf", b"%PDF-1.4 v")

    assert race(app, M, pay) == ["ok"] * M
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    _funds_check(app)


def test_parallel_releases_never_pass_what_the_award_holds(app):
    award = make_awarded()  # ¥3,000 in tranches of ¥1,500 / ¥900 / ¥600
    organizer = make_organizer()
    with hook(hooks.GATE_CHECKS, "after_report", lambda a: None), \
            hook(hooks.GATE_CHECKS, "after_acceptance", lambda a: None):
        for tranche in award.tranches:
            ask_release(tranche, organizer)
    # ¥1,000 of the commitment handed back (as a cut would): ¥2,000 is left to release.
    services.add_entry(LedgerKind.DECOMMIT, round_id=award.round_id, pool_id=award.pool_id,
                       award_id=award.id, amount_fen=100_000, note="核减")
    db.session.commit()
    award_id = award.id
    ids = [t.id for t in award.tranches]
    finance_ids = [make_finance().id for _ in ids]
    db.session.remove()

    def approve(n: int, start) -> None:
        tranche = db.session.get(Tranche, ids[n])
        finance = db.session.get(User, finance_ids[n])
        _ = tranche.award.application.organisation.memberships
        start()
        tranches.approve_release(finance, tranche)

    outcomes = race(app, len(ids), approve)
    assert "ok" in outcomes and "refused" in outcomes
    released = balance(Award, award_id).released
    assert released <= Decimal("2000.00")
    assert db.session.scalar(select(func.count()).where(
        LedgerEntry.kind == LedgerKind.RELEASE)) == outcomes.count("ok")
    _funds_check(app)


def test_one_tranche_approved_twice_at_once_is_released_once(app):
    award = make_awarded()
    ask_release(award.tranches[0])
    tranche_id = award.tranches[0].id
    finance_ids = [make_finance().id for _ in range(M)]
    db.session.remove()

    def approve(n: int, start) -> None:
        tranche = db.session.get(Tranche, tranche_id)
        finance = db.session.get(User, finance_ids[n])
        _ = tranche.award.application.organisation.memberships
        start()
        tranches.approve_release(finance, tranche)

    assert race(app, M, approve) == ["ok"] + ["refused"] * (M - 1)
    assert balance(Tranche, tranche_id).released == Decimal("1500.00")
    _funds_check(app)
