"""The spending pages: who sees a project's expenses (its group, organizers, finance — 404 for
everyone else), recording an expense with its scan through the form, a refused form keeping
what was typed, the scan served only to those who may see it, the explanation thread on the
page, the round's overview with its flags, and the "expenses by budget line" export."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from flask import render_template
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.funds import expenses, hooks
from marketplace.funds.spending_models import Expense
from marketplace.review import decisions
from marketplace.rounds.models import BudgetCategory
from tests.factories import (
    PDF,
    PNG,
    make_application,
    make_awarded,
    make_expense,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_user,
    member_of,
)


def _form(**overrides) -> dict:
    data = {"form_token": "token-1", "line_key": "1", "spent_on": "2026-01-05",
            "amount": "120.50", "payee": "舟山文具店", "description": "活动用品",
            "invoice_number": "04410001", "scan": (io.BytesIO(PDF), "发票.pdf")}
    data.update(overrides)
    return data


def _viewers(award):
    return {"member": member_of(award), "organizer": make_organizer(),
            "finance": make_user(roles=[Role.FINANCE])}


# --- who sees what -----------------------------------------------------------------------------

def test_a_project_s_expenses_are_seen_by_its_group_staff_and_finance_only(app, client,
                                                                             login_as):
    award = make_awarded()
    other_group = make_awarded()
    make_expense(award)
    url = f"/projects/{award.application_id}/expenses"
    for who, user in _viewers(award).items():
        login_as(user)
        assert client.get(url).status_code == 200, who
    for user in (member_of(other_group), make_reviewer(), make_user()):
        login_as(user)
        assert client.get(url).status_code == 404
        assert client.get(f"/projects/{award.application_id}/budget").status_code == 404


def test_a_group_sees_only_its_own_award_s_invoice_scans(app, client, login_as):
    award = make_awarded()
    expense = make_expense(award)
    other = make_awarded()
    scan = f"/projects/{award.application_id}/expenses/{expense.id}/scan"
    login_as(member_of(other))
    assert client.get(scan).status_code == 404
    # Not through the other group's own project either.
    assert client.get(f"/projects/{other.application_id}/expenses/{expense.id}/scan"
                      ).status_code == 404
    login_as(member_of(award))
    response = client.get(scan)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_project_not_yet_awarded_has_no_spending_page(app, client, login_as):
    application = make_application(make_review_round(), requested="1000")
    decisions.approve_application(make_organizer(), application, Decimal("1000"))
    db.session.commit()
    login_as(application.organisation.memberships[0].user)
    assert client.get(f"/projects/{application.id}/expenses").status_code == 404


# --- recording through the page ----------------------------------------------------------------

def test_the_group_records_an_expense_with_its_scan_and_sees_the_line_s_remainder(
        app, client, login_as):
    award = make_awarded()
    login_as(member_of(award))
    url = f"/projects/{award.application_id}/expenses"
    page = client.get(url).get_data(as_text=True)
    assert "登记支出" in page and 'name="form_token"' in page
    response = client.post(url, data=_form(), content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "支出已登记" in page and "¥1,379.50" in page  # ¥1,500 − ¥120.50 left on the line
    assert db.session.scalar(select(func.count(Expense.id))) == 1


def test_a_double_submitted_expense_form_records_once(app, client, login_as):
    award = make_awarded()
    login_as(member_of(award))
    url = f"/projects/{award.application_id}/expenses"
    for _ in range(2):
        assert client.post(url, data=_form(), content_type="multipart/form-data"
                           ).status_code == 302
    assert db.session.scalar(select(func.count(Expense.id))) == 1


def test_a_refused_expense_form_shows_the_reason_and_keeps_what_was_typed(app, client,
                                                                           login_as):
    award = make_awarded()
    login_as(member_of(award))
    response = client.post(f"/projects/{award.application_id}/expenses",
                           data=_form(scan=(io.BytesIO(PNG), "发票.pdf")),
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "内容与类型不符" in page and "舟山文具店" in page and "04410001" in page
    assert db.session.scalar(select(func.count(Expense.id))) == 0


def test_staff_see_no_expense_form(app, client, login_as):
    award = make_awarded()
    login_as(make_organizer())
    page = client.get(f"/projects/{award.application_id}/expenses").get_data(as_text=True)
    assert 'data-testid="expense-form"' not in page
    response = client.post(f"/projects/{award.application_id}/expenses", data=_form(),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Expense.id))) == 0


# --- flags and the thread on the page ----------------------------------------------------------

def test_the_organizer_sees_an_invoice_used_on_two_projects_and_the_group_does_not(
        app, client, login_as):
    round_ = make_review_round()
    first, second = make_awarded(round_), make_awarded(round_)
    make_expense(first, invoice="88880001")
    make_expense(second, invoice="8888-0001")
    url = f"/projects/{first.application_id}/expenses"
    login_as(make_organizer())
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="duplicate-invoice"' in page and second.application.title in page
    login_as(member_of(first))
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="duplicate-invoice"' not in page
    assert second.application.title not in page


def test_the_question_and_the_answer_go_through_the_page(app, client, login_as):
    award = make_awarded()
    make_expense(award, line_key=2, amount="600.00")
    url = f"/projects/{award.application_id}/expenses"
    login_as(make_organizer())
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="over-budget"' in page and 'data-testid="ask-form"' in page
    assert client.post(f"{url}/ask", data={"line_key": "2", "question": "请说明超支原因"}
                       ).status_code == 302
    login_as(member_of(award))
    page = client.get(url).get_data(as_text=True)
    assert "请说明超支原因" in page and "待说明" in page
    refused = client.post(f"{url}/answer", data={"line_key": "2", "answer": " "})
    assert refused.status_code == 422 and "请填写说明" in refused.get_data(as_text=True)
    assert client.post(f"{url}/answer", data={"line_key": "2", "answer": "加印了海报"}
                       ).status_code == 302
    assert "加印了海报" in client.get(url).get_data(as_text=True)


def test_the_group_voids_an_expense_from_the_page(app, client, login_as):
    award = make_awarded()
    expense = make_expense(award)
    login_as(member_of(award))
    url = f"/projects/{award.application_id}/expenses/{expense.id}/void"
    assert client.post(url, data={"reason": "重复登记"}).status_code == 302
    db.session.refresh(expense)
    assert expense.status.value == "voided"


# --- the round's overview and the export -----------------------------------------------------

def test_the_round_overview_flags_projects_for_the_organizer(app, client, login_as):
    round_ = make_review_round()
    over, fine = make_awarded(round_), make_awarded(round_)
    make_expense(over, line_key=2, amount="600.00")
    make_expense(fine, line_key=1, amount="100.00")
    login_as(make_organizer())
    page = client.get(f"/rounds/{round_.id}/spending").get_data(as_text=True)
    assert over.application.title in page and fine.application.title in page
    assert page.count('data-testid="flag-over"') == 1
    login_as(member_of(over))
    assert client.get(f"/rounds/{round_.id}/spending").status_code == 404


def test_the_round_overview_runs_a_fixed_number_of_statements(app, count_queries):
    round_ = make_review_round()
    award = make_awarded(round_)
    make_expense(award)
    round_id = round_.id
    db.session.expire_all()
    with count_queries() as one:
        expenses.round_spending(round_id)
    for _ in range(3):
        make_expense(make_awarded(round_), invoice="77770001")
    db.session.expire_all()
    with count_queries() as four:
        expenses.round_spending(round_id)
    assert four.count == one.count


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_expenses_by_budget_line_are_exported_neutralised_and_audited(app, client, login_as,
                                                                       fmt):
    round_ = make_review_round()
    award = make_awarded(round_, lines=[("=HYPERLINK(\"x\")", BudgetCategory.OTHER, "1",
                                                    "1000.00")])
    make_expense(award, line_key=1, amount="1200.00")
    finance = make_user(roles=[Role.FINANCE])
    login_as(finance)
    assert client.get(f"/rounds/{round_.id}/spending/export.{fmt}").status_code == 405
    response = client.post(f"/rounds/{round_.id}/spending/export.{fmt}")
    assert response.status_code == 200
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        rows = list(sheet.iter_rows(values_only=True))
    else:
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][4] == "预算项目"
    line = rows[1]
    assert line[4] == "'=HYPERLINK(\"x\")"
    assert [Decimal(str(v)) for v in line[6:9]] == [Decimal(1000), Decimal(1200), Decimal(-200)]
    assert line[10] == "是"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "expense.export"))
    assert (entry.actor_id, entry.object_id, entry.after["format"]) == (finance.id, round_.id,
                                                                      fmt)


def test_a_group_cannot_export_the_round_s_expenses(app, client, login_as):
    award = make_awarded()
    login_as(member_of(award))
    assert client.post(f"/rounds/{award.round_id}/spending/export.xlsx").status_code == 404


# --- the panel on the group's project page (hooks.ProjectPanel "expenses") --------------------

def test_the_project_page_panel_shows_spending_to_those_who_see_it(app):
    award = make_awarded(amount="2500.00")
    panel = hooks.PROJECT_PANELS["expenses"]
    assert panel in hooks.project_panels()
    assert panel.build(make_reviewer(), award) is None
    assert panel.build(member_of(make_awarded()), award) is None
    data = panel.build(member_of(award), award)
    with app.test_request_context():
        html = render_template(panel.template, panel=data)
    assert data["needs_revision"] and f"/projects/{award.application_id}/budget" in html
    assert f"/projects/{award.application_id}/expenses" in html
