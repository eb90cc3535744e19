"""Under concurrent requests (real threads; PostgreSQL row locks, SQLite's write lock): a
double-clicked expense form records one expense, and two variation requests at once leave one
waiting for the organizer."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.funds import expenses, variations
from marketplace.funds.models import Award
from marketplace.funds.spending_models import Expense, Variation, VariationStatus
from tests.concurrency import race
from tests.factories import PDF, lines_of, make_awarded, member_of

M = 4


def test_a_double_clicked_expense_form_records_one_expense(app):
    award = make_awarded()
    award_id, member_id = award.id, member_of(award).id
    db.session.remove()

    def submit(n: int, start) -> None:
        award = db.session.get(Award, award_id)
        member = db.session.get(User, member_id)
        _ = award.application.organisation.memberships
        start()
        expenses.record_expense(member, award, expenses.ExpenseData(
            line_key=1, spent_on=date(2026, 1, 5), amount=Decimal("120.00"), payee="文具店",
            description="", invoice_number="04419999", form_token="same-form"), "发票.pdf", PDF)

    assert race(app, M, submit) == ["ok"] * M
    assert db.session.scalar(select(func.count(Expense.id))) == 1


def test_two_variations_asked_at_once_leave_one_waiting(app):
    award = make_awarded()
    award_id, member_id = award.id, member_of(award).id
    rows = [lines_of(award, k1=str(1500 + 500 * (n + 1)), k3=str(1000 - 500 * (n + 1)))
            for n in range(2)]
    db.session.remove()

    def ask(n: int, start) -> None:
        award = db.session.get(Award, award_id)
        member = db.session.get(User, member_id)
        _ = award.application.organisation.memberships, award.application.budget_lines
        start()
        variations.request_variation(member, award, rows[n], None, f"调整{n}")

    assert race(app, 2, ask) == ["ok", "refused"]
    assert db.session.scalar(select(func.count(Variation.id)).where(
        Variation.status == VariationStatus.REQUESTED)) == 1
