"""Imported history is on the ledger: a finished project of a closed past round was paid in
full, so its award has one paid tranche and COMMIT, RELEASE and PAYMENT entries for its
amount, marked imported — and for every round, imported or run on the platform, balances are
sums of entries: the ledger's committed money is the sum of its live awards, and no award has
more paid than released or more released than awarded."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from marketplace.core.money import from_fen
from marketplace.extensions import db
from marketplace.funds.balances import balance, balances
from marketplace.funds.models import (
    LIVE_AWARD_STATUSES,
    Award,
    LedgerEntry,
    LedgerKind,
    TrancheState,
)
from marketplace.history.services import import_history
from marketplace.rounds.models import Round

SAMPLE = Path(__file__).resolve().parents[2] / "marketplace" / "history" / "data" / \
    "history_sample.csv"


def _entries(award: Award) -> list[tuple]:
    return [(e.kind, e.amount_fen, e.tranche_id, e.imported, e.created_at)
            for e in db.session.scalars(select(LedgerEntry).where(
                LedgerEntry.award_id == award.id).order_by(LedgerEntry.id))]


def test_an_imported_award_is_committed_released_and_paid_in_full(app):
    assert import_history(None, SAMPLE.read_bytes()).ok
    db.session.commit()
    awards = db.session.scalars(select(Award).order_by(Award.id)).all()
    assert len(awards) == 5
    for award in awards:
        [tranche] = award.tranches
        assert (tranche.index, tranche.percent, tranche.amount_fen, tranche.state) == (
            1, 100, award.amount_fen, TrancheState.PAID)
        year_end = datetime(award.round.year, 12, 31)
        assert _entries(award) == [
            (LedgerKind.COMMIT, award.amount_fen, None, True, year_end),
            (LedgerKind.RELEASE, award.amount_fen, tranche.id, True, year_end),
            (LedgerKind.PAYMENT, award.amount_fen, tranche.id, True, year_end)]
        assert balance(Award, award.id).unpaid == 0


def test_a_dry_run_and_a_second_import_write_no_money(app):
    assert import_history(None, SAMPLE.read_bytes(), dry_run=True).ok
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0
    db.session.rollback()
    import_history(None, SAMPLE.read_bytes())
    db.session.commit()
    assert import_history(None, SAMPLE.read_bytes()).unchanged == 6
    db.session.commit()
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 3 * 5


def test_every_round_of_the_demo_balances_with_its_awards(app):
    result = CliRunner().invoke(app.cli, ["seed-demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rounds = db.session.scalars(select(Round).order_by(Round.year, Round.id)).all()
    awards = db.session.scalars(select(Award)).all()
    by_award = balances(Award)
    # A cut (funds.tranches.cut_award) hands the unreleased rest of a live award back; a
    # changed decision de-commits the old amount and commits the new one (award.amount).
    cut = dict(db.session.execute(
        select(LedgerEntry.award_id, func.sum(LedgerEntry.amount_fen))
        .join(Award, Award.id == LedgerEntry.award_id)
        .where(LedgerEntry.kind == LedgerKind.DECOMMIT, Award.status.in_(LIVE_AWARD_STATUSES),
               LedgerEntry.note.startswith("核减资助"))
        .group_by(LedgerEntry.award_id)).all())
    # The demo has history and rounds decided on the platform, with and without money.
    assert any(r.imported for r in rounds) and any(not r.imported for r in rounds)
    assert any(a.imported for a in awards) and any(not a.imported for a in awards)
    for round_ in rounds:
        live = [a for a in awards if a.round_id == round_.id and a.status in
                LIVE_AWARD_STATUSES]
        assert balance(Round, round_.id).committed == sum(
            a.amount - from_fen(int(cut.get(a.id, 0))) for a in live), round_.year
    for award in awards:
        money = by_award[award.id]
        held = (award.amount - from_fen(int(cut.get(award.id, 0)))
                if award.status in LIVE_AWARD_STATUSES else 0)
        assert money.committed == held, award.id
        assert 0 <= money.paid <= money.released <= money.committed, award.id
        if award.imported:
            assert money.paid == award.amount
