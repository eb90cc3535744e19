"""The demo data shows spending: every pool of this year names its source (one split between
the league's fund and a foundation) and every demo ledger entry of those pools carries one; a
revised budget in force and one still due; expenses with one line over budget, asked about and
explained; an invoice number on two projects; a variation waiting for the organizer. The tests
read the shared `demo` database."""
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.funds import budgets, expenses, sources
from marketplace.funds.models import LedgerEntry
from marketplace.funds.spending_models import BudgetOrigin, Variation, VariationStatus
from marketplace.rounds.models import Round, RoundStatus


def _delivery() -> Round:
    return db.session.scalars(select(Round).where(Round.status == RoundStatus.DELIVERY)
                              .order_by(Round.id.desc())).first()


def test_demo_money_comes_from_named_sources(demo):
    round_ = _delivery()
    figures = {row["source"]: row for row in sources.figures_by_source(round_.id)}
    assert "未指定来源" not in figures
    assert {"团市委专项", "文明办", "基金会：浙江海岛公益基金会"} <= set(figures)
    assert any(row["social"] and row["committed"] > 0 for row in figures.values())
    slices = sources.pool_slices(round_.pools)
    assert max(len(s) for s in slices.values()) == 2
    assert db.session.scalar(select(func.count(LedgerEntry.id)).where(
        LedgerEntry.round_id == round_.id, LedgerEntry.source_id.is_(None))) == 0


def test_demo_has_a_revised_budget_and_one_still_due(demo):
    projects, _ = expenses.round_spending(_delivery().id)
    origins = {p.application.title: (p.base.origin, p.needs_revision) for p in projects}
    assert origins["岱山渔村留守老人“暖心食堂”助餐服务"] == (BudgetOrigin.REVISED, False)
    assert origins["枸杞岛渔家孩子“海岛假日课堂”"] == (BudgetOrigin.ORIGINAL, True)


def test_demo_has_a_line_over_budget_explained_and_an_invoice_on_two_projects(demo):
    projects, _ = expenses.round_spending(_delivery().id)
    flagged = [(p, f) for p in projects for f in p.lines if f.flagged]
    assert [f.line.item for _, f in flagged] == ["渡轮往返"]
    _, ferry = flagged[0]
    assert [m.kind.value for m in ferry.thread] == ["question", "answer"]
    assert sum(1 for p in projects if p.duplicates) == 2


def test_demo_has_a_variation_waiting_and_one_that_stood_at_once(demo):
    statuses = {v.needs_approval: v.status for v in db.session.scalars(select(Variation))}
    assert statuses == {True: VariationStatus.REQUESTED, False: VariationStatus.APPROVED}
    waiting = db.session.scalar(select(Variation).where(
        Variation.status == VariationStatus.REQUESTED))
    assert waiting.extends_end_date
    assert budgets.open_variation(waiting.award_id) is not None
