"""An award's budget: the revised budget where the award is below the request (exactly the
award; the baseline from then on; the agreement and the expenses wait for it) and variations
(预算调整 / 项目变更): within the round's threshold at once, beyond it or extending the end date
only with the organizer's approval; every version kept, nothing edited in place."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds import budgets, expenses, hooks, spending_rules, variations
from marketplace.funds.spending_models import (
    BudgetOrigin,
    BudgetVersion,
    BudgetVersionLine,
    Variation,
    VariationStatus,
)
from marketplace.notify.models import OutboxMessage
from marketplace.rounds.models import BudgetCategory
from tests.factories import (
    lines_of,
    make_awarded,
    make_expense,
    make_organisation,
    make_organizer,
    make_review_round,
    make_user,
    make_variation,
    member_of,
)


def _amounts(award) -> dict[int, Decimal]:
    return {line.key: line.amount for line in budgets.baseline(award).lines}


def _templates() -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.template).order_by(OutboxMessage.id)))


def _version_rows() -> list[tuple]:
    return list(db.session.execute(
        select(BudgetVersion.number, BudgetVersion.origin, BudgetVersionLine.key,
               BudgetVersionLine.amount_fen).join(BudgetVersionLine)
        .order_by(BudgetVersion.number, BudgetVersionLine.key)).all())


# --- the revised budget ------------------------------------------------------------------------

def test_an_award_below_the_request_needs_a_revised_budget(app):
    assert budgets.needs_revision(make_awarded(amount="2500.00"))
    assert not budgets.needs_revision(make_awarded())  # awarded what was asked


def test_the_revised_budget_must_sum_exactly_to_the_award(app):
    award = make_awarded(amount="2500.00")  # ¥1,500 + ¥500 + ¥1,000 asked
    for k1 in ("1000.01", "999.99"):
        with pytest.raises(NotAllowed) as refusal:
            variations.submit_revised_budget(member_of(award), award, lines_of(award, k1=k1))
        assert refusal.value.field == "lines" and "¥2,500.00" in refusal.value.reason


def test_the_revised_budget_becomes_the_baseline_and_the_application_s_is_kept(app):
    award = make_awarded(amount="2500.00")
    variations.submit_revised_budget(member_of(award), award, lines_of(award, k1="1000.00"))
    db.session.commit()
    base = budgets.baseline(award)
    assert (base.number, base.origin, base.total) == (2, BudgetOrigin.REVISED,
                                                      Decimal("2500.00"))
    assert _amounts(award) == {1: Decimal("1000.00"), 2: Decimal("500.00"),
                               3: Decimal("1000.00")}
    assert [(n, o) for n, o, *_ in _version_rows()][::3] == [
        (1, BudgetOrigin.ORIGINAL), (2, BudgetOrigin.REVISED)]
    assert award.application.requested == Decimal("3000.00")  # the proposal is untouched
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "budget.revise"))
    assert entry.before == {"version": 1, "total": "3000.00"}
    assert entry.after["total"] == "2500.00"


def test_the_agreement_waits_for_the_revised_budget(app):
    award = make_awarded(amount="2500.00")
    check = hooks.AGREEMENT_PREREQUISITES["revised_budget"]
    assert "调整后预算" in str(check(award))
    variations.submit_revised_budget(member_of(award), award, lines_of(award, k3="500.00"))
    db.session.commit()
    assert check(award) is None
    assert check(make_awarded()) is None


def test_a_budget_that_already_fits_is_not_revised_but_varied(app):
    award = make_awarded()
    with pytest.raises(NotAllowed):
        variations.submit_revised_budget(member_of(award), award, lines_of(award))


def test_only_the_group_revises_its_budget(app):
    award = make_awarded(amount="2500.00")
    for stranger in (make_organizer(), make_user(), make_organisation().memberships[0].user):
        with pytest.raises(NotAllowed):
            variations.submit_revised_budget(stranger, award, lines_of(award, k1="1000.00"))


def test_the_revised_budget_may_add_and_drop_lines(app):
    award = make_awarded(amount="2500.00")
    rows = [r for r in lines_of(award) if r.key != 3]
    rows.append(variations.LineData(key=None, item="志愿者保险", category=BudgetCategory.OTHER,
                                    amount=Decimal("500.00")))
    variations.submit_revised_budget(member_of(award), award, rows)
    db.session.commit()
    base = budgets.baseline(award)
    assert [(line.key, line.item) for line in base.lines] == [
        (1, "活动物资"), (2, "宣传海报"), (4, "志愿者保险")]  # a new line never takes key 3


# --- variations --------------------------------------------------------------------------------

def test_a_variation_within_the_threshold_stands_at_once(app):
    award = make_awarded()  # ¥3,000: moving ¥300 is exactly 10%
    variation = make_variation(award, k1="1800.00", k3="700.00")
    assert variation.status == VariationStatus.APPROVED and not variation.needs_approval
    assert variation.moved == Decimal("300.00")
    assert _amounts(award)[1] == Decimal("1800.00")
    assert "funds/variation_requested" not in _templates()
    assert "funds/variation_decided" not in _templates()  # the group made it itself
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "variation.approve"))
    assert entry.after == {"status": "approved", "automatic": True}


def test_a_variation_beyond_the_threshold_waits_for_the_organizer(app):
    organizer = make_organizer()
    award = make_awarded(organizer=organizer)  # the only organizer
    variation = make_variation(award, k1="1800.01", k3="699.99")
    assert variation.status == VariationStatus.REQUESTED and variation.needs_approval
    assert _amounts(award)[1] == Decimal("1500.00")  # the baseline stays until approved
    assert db.session.scalars(select(OutboxMessage.to_address).where(
        OutboxMessage.template == "funds/variation_requested")).all() == [organizer.email]


def test_the_threshold_is_the_round_s_own(app):
    award = make_awarded()
    spending_rules.update_rules(make_organizer(), award.round, 10, 40)
    db.session.commit()
    assert make_variation(award, k1="2500.00", k3="0.00").status == VariationStatus.APPROVED


def test_extending_the_end_date_needs_approval_even_without_moving_money(app):
    award = make_awarded()
    later = budgets.baseline(award).end_date + timedelta(days=30)
    variation = make_variation(award, end_date=later)
    assert variation.status == VariationStatus.REQUESTED and variation.moved == 0
    assert budgets.project_end_date(award) == later - timedelta(days=30)
    variations.decide_variation(make_organizer(), variation, True, "同意延期")
    db.session.commit()
    assert budgets.project_end_date(award) == later


def test_an_approved_variation_becomes_the_baseline_and_no_version_is_edited(app):
    award = make_awarded()
    variation = make_variation(award, k1="2500.00", k3="0.00")
    before = _version_rows()
    variations.decide_variation(make_organizer(), variation, True, "")
    db.session.commit()
    assert _version_rows() == before  # approving adds nothing and changes no line
    base = budgets.baseline(award)
    assert (base.number, base.origin) == (2, BudgetOrigin.VARIATION)
    assert _amounts(award) == {1: Decimal("2500.00"), 2: Decimal("500.00"), 3: Decimal("0.00")}
    assert "funds/variation_decided" in _templates()


def test_a_refused_variation_needs_a_reason_and_leaves_the_baseline(app):
    award = make_awarded()
    variation = make_variation(award, k1="2500.00", k3="0.00")
    with pytest.raises(NotAllowed) as refusal:
        variations.decide_variation(make_organizer(), variation, False, "")
    assert refusal.value.field == "note"
    variations.decide_variation(make_organizer(), variation, False, "交通补贴不能全部挪用")
    db.session.commit()
    assert variation.status == VariationStatus.REJECTED
    assert budgets.baseline(award).number == 1 and _amounts(award)[3] == Decimal("1000.00")
    assert len(budgets.versions_of(award.id)) == 2  # the refused proposal is kept


def test_one_variation_waits_at_a_time(app):
    award = make_awarded()
    make_variation(award, k1="2500.00", k3="0.00")
    with pytest.raises(NotAllowed):
        make_variation(award, k1="2000.00", k3="500.00")


def test_the_database_holds_one_waiting_variation_per_award(app):
    award = make_awarded()
    for _ in range(2):
        db.session.add(Variation(award_id=award.id, reason="x", status=VariationStatus.REQUESTED))
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.flush()
    db.session.rollback()


def test_a_variation_needs_a_reason_and_a_change(app):
    award = make_awarded()
    with pytest.raises(NotAllowed) as refusal:
        variations.request_variation(member_of(award), award, lines_of(award, k1="1600.00",
                                                                      k3="900.00"), None, " ")
    assert refusal.value.field == "reason"
    with pytest.raises(NotAllowed) as refusal:
        variations.request_variation(member_of(award), award, lines_of(award), None, "没变")
    assert refusal.value.field == "lines"


def test_a_variation_keeps_the_total_at_the_award(app):
    award = make_awarded()
    with pytest.raises(NotAllowed) as refusal:
        variations.request_variation(member_of(award), award, lines_of(award, k1="1600.00"),
                                     None, "多要一点")
    assert "¥3,000.00" in refusal.value.reason


def test_a_line_with_expenses_cannot_be_dropped_and_its_expenses_follow_it(app):
    award = make_awarded()
    make_expense(award, line_key=3, amount="200.00")
    rows = [r for r in lines_of(award, k1="2500.00") if r.key != 3]
    with pytest.raises(NotAllowed) as refusal:
        variations.request_variation(member_of(award), award, rows, None, "不要交通了")
    assert "交通补贴" in refusal.value.reason
    # Lowered instead, and renamed: the ¥200 spent stays on the line.
    rows = lines_of(award, k1="2000.00", k3="500.00")
    rows[2].item = "交通及餐费补贴"
    variation = variations.request_variation(member_of(award), award, rows, None, "调整")
    variations.decide_variation(make_organizer(), variation, True, "")
    db.session.commit()
    figures = expenses.line_figures(budgets.baseline(award), award.id,
                                    spending_rules.rules_for(award.round_id))
    assert [(f.line.item, f.spent) for f in figures if f.line.key == 3] == [
        ("交通及餐费补贴", Decimal("200.00"))]


def test_nobody_decides_a_variation_of_their_own_organisation(app):
    organizer = make_organizer()
    award = make_awarded(make_review_round(), make_organisation(owner=organizer))
    variation = make_variation(award, k1="2500.00", k3="0.00")
    with pytest.raises(NotAllowed):
        variations.decide_variation(organizer, variation, True, "")
    with pytest.raises(NotAllowed):
        variations.decide_variation(make_user(), variation, True, "")


def test_a_variation_is_decided_once(app):
    award = make_awarded()
    variation = make_variation(award, k1="2500.00", k3="0.00")
    variations.decide_variation(make_organizer(), variation, True, "")
    db.session.commit()
    with pytest.raises(NotAllowed):
        variations.decide_variation(make_organizer(), variation, False, "改主意")
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action.in_(["variation.approve", "variation.reject"]))) == 1


def test_the_end_date_cannot_come_before_the_start(app):
    award = make_awarded()
    start = award.application.start_date
    with pytest.raises(NotAllowed) as refusal:
        variations.request_variation(member_of(award), award, lines_of(award),
                                     start - timedelta(days=1), "提前结束")
    assert refusal.value.field == "end_date"
    assert start > date(2000, 1, 1)
