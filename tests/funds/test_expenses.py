"""Expenses (资金使用) against the baseline's budget lines: what each line has left, the
invoice scan checked by content, one expense per form, lines flagged past the round's
percentage, an invoice number used on two projects, the explanation thread, voiding and
rejecting (services; the pages are test_expense_views.py)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds import budgets, expenses, spending_rules
from marketplace.funds.spending_models import Expense, ExpenseStatus, ExplanationKind
from marketplace.notify.models import OutboxMessage
from tests.factories import (
    PDF,
    PNG,
    make_awarded,
    make_expense,
    make_organisation,
    make_organizer,
    make_review_round,
    make_user,
    member_of,
)


def _data(**overrides) -> expenses.ExpenseData:
    fields = dict(line_key=1, spent_on=date(2026, 1, 5), amount=Decimal("100.00"),
                  payee="舟山文具店", description="活动用品", invoice_number="04410001",
                  form_token="")
    fields.update(overrides)
    return expenses.ExpenseData(**fields)


def _figures(award):
    rules = spending_rules.rules_for(award.round_id)
    return {f.line.key: f for f in expenses.line_figures(budgets.baseline(award), award.id, rules)}


def _mails(template: str) -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.to_address)
                                   .where(OutboxMessage.template == template)
                                   .order_by(OutboxMessage.id)))


# --- recording ---------------------------------------------------------------------------------

def test_an_expense_counts_against_its_line_and_shows_what_is_left(app):
    award = make_awarded()
    make_expense(award, line_key=1, amount="400.00")
    make_expense(award, line_key=1, amount="250.50")
    make_expense(award, line_key=3, amount="1000.00")
    lines = _figures(award)
    assert (lines[1].budget, lines[1].spent, lines[1].difference) == (
        Decimal("1500.00"), Decimal("650.50"), Decimal("849.50"))
    assert (lines[2].spent, lines[2].difference) == (Decimal("0.00"), Decimal("500.00"))
    assert (lines[3].spent, lines[3].difference, lines[3].flagged) == (
        Decimal("1000.00"), Decimal("0.00"), False)
    assert expenses.accepted_total(award.id) == Decimal("1650.50")


def test_recording_an_expense_is_audited_with_its_invoice(app):
    award = make_awarded()
    expense = make_expense(award, amount="88.00", invoice="0441 2345")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "expense.record"))
    assert (entry.object_type, entry.object_id, entry.actor_id) == (
        "expense", expense.id, member_of(award).id)
    assert entry.after["amount"] == "88.00" and entry.after["invoice_number"] == "0441 2345"
    assert entry.after["sha256"] == expense.scan_sha256


@pytest.mark.parametrize(("name", "content"), [
    ("发票.pdf", PNG),                  # a PNG named .pdf
    ("发票.exe", b"MZ\x90\x00binary"),  # not an accepted type
    ("发票.txt", b"plain text"),
    ("发票.pdf", b""),                   # nothing uploaded
])
def test_the_invoice_scan_is_checked_by_content(app, name, content):
    award = make_awarded()
    with pytest.raises(NotAllowed) as refusal:
        expenses.record_expense(member_of(award), award, _data(), name, content)
    assert refusal.value.field == "scan"


def test_a_scan_of_the_right_type_is_stored_outside_static_under_a_random_name(app):
    award = make_awarded()
    expense = expenses.record_expense(member_of(award), award, _data(), "../发票.png", PNG)
    db.session.commit()
    path = expenses.scan_path(expense)
    assert expense.scan_name == "发票.png" and expense.scan_type == "image/png"
    assert expense.scan_stored in path and "static" not in path
    with open(path, "rb") as stored:
        assert stored.read() == PNG


@pytest.mark.parametrize(("change", "field"), [
    (dict(line_key=99), "line_key"),
    (dict(line_key=None), "line_key"),
    (dict(amount=Decimal("0")), "amount"),
    (dict(amount=None), "amount"),
    (dict(spent_on=None), "spent_on"),
    (dict(payee="  "), "payee"),
    (dict(invoice_number=" - "), "invoice_number"),
])
def test_an_expense_is_refused_next_to_the_field_that_is_wrong(app, change, field):
    award = make_awarded()
    with pytest.raises(NotAllowed) as refusal:
        expenses.record_expense(member_of(award), award, _data(**change), "发票.pdf", PDF)
    assert refusal.value.field == field


def test_an_expense_dated_after_today_is_refused(app):
    award = make_awarded()
    tomorrow = (utcnow() + timedelta(days=2)).date()
    with pytest.raises(NotAllowed) as refusal:
        expenses.record_expense(member_of(award), award, _data(spent_on=tomorrow),
                                "发票.pdf", PDF)
    assert refusal.value.field == "spent_on"


def test_a_repeated_submit_of_one_form_records_one_expense(app):
    award = make_awarded()
    member = member_of(award)
    first = expenses.record_expense(member, award, _data(form_token="tok-1"), "发票.pdf", PDF)
    db.session.commit()
    again = expenses.record_expense(member, award, _data(form_token="tok-1"), "发票.pdf", PDF)
    db.session.commit()
    assert again.id == first.id
    assert db.session.scalar(select(func.count(Expense.id))) == 1


def test_the_same_form_with_other_figures_is_refused(app):
    award = make_awarded()
    member = member_of(award)
    expenses.record_expense(member, award, _data(form_token="tok-1"), "发票.pdf", PDF)
    db.session.commit()
    with pytest.raises(NotAllowed):
        expenses.record_expense(member, award, _data(form_token="tok-1",
                                                     amount=Decimal("200.00")), "发票.pdf", PDF)


def test_only_the_projects_own_members_record_expenses(app):
    award = make_awarded()
    for stranger in (make_user(), make_organizer(), make_organisation().memberships[0].user):
        with pytest.raises(NotAllowed):
            expenses.record_expense(stranger, award, _data(), "发票.pdf", PDF)


def test_expenses_wait_for_the_revised_budget_when_the_award_is_below_the_request(app):
    award = make_awarded(amount="2500.00")  # the budget sums to ¥3,000
    with pytest.raises(NotAllowed) as refusal:
        expenses.record_expense(member_of(award), award, _data(), "发票.pdf", PDF)
    assert "调整后的预算" in refusal.value.reason


# --- flags -------------------------------------------------------------------------------------

def test_a_line_more_than_ten_percent_over_its_budget_is_flagged(app):
    award = make_awarded()  # line 2: ¥500
    make_expense(award, line_key=2, amount="550.00")  # exactly 10% over: not yet
    assert not _figures(award)[2].flagged
    make_expense(award, line_key=2, amount="0.01")
    line = _figures(award)[2]
    assert line.flagged and line.difference == Decimal("-50.01")
    assert line.over_percent == Decimal("10.0")


def test_the_flag_follows_the_rounds_own_percentage(app):
    award = make_awarded()
    make_expense(award, line_key=2, amount="560.00")  # 12% over
    assert _figures(award)[2].flagged
    spending_rules.update_rules(make_organizer(), award.round, 15, 10)
    db.session.commit()
    assert not _figures(award)[2].flagged
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "spending_rules.update")) == 1


def test_an_invoice_number_used_on_two_projects_is_flagged_on_both(app):
    round_ = make_review_round()
    first, second = make_awarded(round_), make_awarded(round_)
    a = make_expense(first, invoice="0441-2345 678")
    b = make_expense(second, invoice="04412345678")  # the same number, typed without spaces
    make_expense(first, line_key=2, invoice="99990001")
    make_expense(first, line_key=3, invoice="99990001")  # twice on one project: not flagged
    found = expenses.duplicate_invoices([first.id, second.id])
    assert set(found) == {a.id, b.id}
    assert [u.award_id for u in found[a.id]] == [second.id]
    assert [u.title for u in found[b.id]] == [first.application.title]


def test_a_voided_expense_no_longer_flags_its_invoice_or_counts(app):
    round_ = make_review_round()
    first, second = make_awarded(round_), make_awarded(round_)
    a = make_expense(first, invoice="12345678", amount="300.00")
    make_expense(second, invoice="12345678")
    expenses.void_expense(member_of(first), a, "录错了，重新登记")
    db.session.commit()
    assert expenses.duplicate_invoices([first.id, second.id]) == {}
    assert _figures(first)[1].spent == Decimal("0.00")


def test_the_invoice_key_ignores_spacing_dashes_and_full_width_digits(app):
    assert expenses.invoice_key(" ０４４１-2345 ６７ ") == expenses.invoice_key("0441234567")


# --- voiding and rejecting -------------------------------------------------------------------

def test_the_group_voids_a_mistake_with_a_reason(app):
    award = make_awarded()
    expense = make_expense(award)
    with pytest.raises(NotAllowed) as refusal:
        expenses.void_expense(member_of(award), expense, " ")
    assert refusal.value.field == "reason"
    expenses.void_expense(member_of(award), expense, "金额录错")
    db.session.commit()
    assert (expense.status, expense.status_reason) == (ExpenseStatus.VOIDED, "金额录错")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "expense.void"))
    assert entry.before == {"status": "recorded"} and entry.after["reason"] == "金额录错"


def test_the_organizer_rejects_an_expense_and_the_group_hears_why(app):
    award = make_awarded()
    expense = make_expense(award, amount="500.00")
    expenses.reject_expense(make_organizer(), expense, "发票抬头不是本组织")
    db.session.commit()
    assert expense.status == ExpenseStatus.REJECTED
    assert expenses.accepted_total(award.id) == Decimal("0.00")
    assert _mails("funds/expense_rejected") == [member_of(award).email]


def test_nobody_rejects_an_expense_of_their_own_organisation(app):
    organizer = make_organizer()
    award = make_awarded(make_review_round(), make_organisation(owner=organizer))
    expense = make_expense(award)
    with pytest.raises(NotAllowed):
        expenses.reject_expense(organizer, expense, "不认可")


def test_an_expense_is_voided_or_rejected_once(app):
    award = make_awarded()
    expense = make_expense(award)
    expenses.void_expense(member_of(award), expense, "录错了")
    db.session.commit()
    with pytest.raises(NotAllowed):
        expenses.reject_expense(make_organizer(), expense, "不认可")
    with pytest.raises(NotAllowed):
        expenses.void_expense(member_of(award), expense, "再作废")


# --- the explanation thread --------------------------------------------------------------------

def test_the_organizer_asks_about_a_line_and_the_group_answers_on_the_page(app):
    award = make_awarded()
    organizer, member = make_organizer(), member_of(award)
    make_expense(award, line_key=2, amount="600.00")
    expenses.ask_explanation(organizer, award, 2, "宣传费超支 20%，请说明原因。")
    db.session.commit()
    assert _figures(award)[2].awaiting_answer
    assert _mails("funds/expense_question") == [member.email]

    expenses.answer_explanation(member, award, 2, "海报加印了一批，用于渔村宣传。")
    db.session.commit()
    thread = _figures(award)[2].thread
    assert [(m.kind, m.author_id) for m in thread] == [
        (ExplanationKind.QUESTION, organizer.id), (ExplanationKind.ANSWER, member.id)]
    assert not _figures(award)[2].awaiting_answer
    assert _mails("funds/expense_answer") == [organizer.email]
    assert list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("expense.%")).order_by(AuditEntry.id)))[-2:] == [
        "expense.question", "expense.answer"]


def test_the_group_answers_only_where_it_was_asked(app):
    award = make_awarded()
    with pytest.raises(NotAllowed) as refusal:
        expenses.answer_explanation(member_of(award), award, 1, "主动说明")
    assert refusal.value.field == "answer"


def test_only_staff_outside_the_group_ask_and_only_the_group_answers(app):
    award = make_awarded()
    expenses.ask_explanation(make_organizer(), award, 1, "请说明")
    for stranger in (member_of(award), make_user()):
        with pytest.raises(NotAllowed):
            expenses.ask_explanation(stranger, award, 1, "请说明")
    for stranger in (make_organizer(), make_user()):
        with pytest.raises(NotAllowed):
            expenses.answer_explanation(stranger, award, 1, "说明")


def test_a_question_needs_a_line_of_the_baseline_and_a_text(app):
    award = make_awarded()
    with pytest.raises(NotAllowed) as refusal:
        expenses.ask_explanation(make_organizer(), award, 42, "请说明")
    assert refusal.value.field == "line_key"
    with pytest.raises(NotAllowed) as refusal:
        expenses.ask_explanation(make_organizer(), award, 1, "   ")
    assert refusal.value.field == "question"
