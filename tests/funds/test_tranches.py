"""An award is paid in tranches, rows of their own: from the round's template at approval,
each percent rounded down to the fen and the last taking the remainder; the database keeps
one row per position, amounts not negative, percents 0 to 100."""
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.extensions import db
from marketplace.funds.models import Tranche, TrancheState
from marketplace.review import decisions
from marketplace.rounds.models import TrancheGate
from tests.factories import make_application, make_organizer, make_review_round


def _approve(round_=None, amount="10000.01"):
    application = make_application(round_ or make_review_round(), requested=amount)
    award = decisions.approve_application(make_organizer(), application, Decimal(amount))
    db.session.commit()
    return award


def test_a_new_award_gets_scheduled_tranches_from_the_round_template(app):
    award = _approve()
    rows = db.session.scalars(select(Tranche).where(Tranche.award_id == award.id)
                              .order_by(Tranche.index)).all()
    assert [(t.index, t.label, t.percent, t.amount_fen, t.gate, t.state, t.planned_date)
            for t in rows] == [
        (1, "立项拨付", 50, 500_000, TrancheGate.ON_AWARD, TrancheState.SCHEDULED, None),
        (2, "中期拨付", 30, 300_000, TrancheGate.AFTER_REPORT, TrancheState.SCHEDULED, None),
        (3, "结项拨付", 20, 200_001, TrancheGate.AFTER_ACCEPTANCE, TrancheState.SCHEDULED,
         None)]
    assert sum(t.amount for t in award.tranches) == award.amount


def test_a_round_without_a_template_pays_the_award_in_one_tranche(app):
    round_ = make_review_round()
    round_.tranche_template = []
    db.session.commit()
    award = _approve(round_, "777.77")
    assert [(t.percent, t.amount_fen, t.gate) for t in award.tranches] == [
        (100, 77_777, TrancheGate.ON_AWARD)]


def test_tranches_of_new_gates_are_kept(app):
    round_ = make_review_round()
    round_.tranche_template = [
        {"label": "协议签订后", "percent": 40, "gate": "after_agreement"},
        {"label": "中期评估后", "percent": 60, "gate": "after_midterm"}]
    db.session.commit()
    award = _approve(round_, "100.00")
    db.session.expire_all()
    assert [(t.gate, t.amount_fen) for t in award.tranches] == [
        (TrancheGate.AFTER_AGREEMENT, 4_000), (TrancheGate.AFTER_MIDTERM, 6_000)]


@pytest.mark.parametrize("change", [
    {"index": 1},            # a second first tranche
    {"amount_fen": -1},
    {"percent": 101},
    {"percent": -1},
])
def test_the_database_refuses_a_bad_tranche(app, change):
    award = _approve()
    values = {"award_id": award.id, "index": 9, "label": "x", "percent": 10, "amount_fen": 0}
    db.session.add(Tranche(**{**values, **change}))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
