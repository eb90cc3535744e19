"""Size limits of a proposal: rows per table, text lengths the columns can hold, counts and
amounts the integer columns can hold. The service refuses (the real guard); the form tells
the member next to the field and keeps what was typed. Nothing ends in a 500."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.applications import proposal, services
from marketplace.applications.models import Application, BudgetLine
from marketplace.applications.proposal import BudgetLineData, PlanRowData, TeamMemberData
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.rounds.models import BudgetCategory
from tests.factories import application_data, make_application

M = BudgetCategory.MATERIALS


def line(item="物资", quantity="1", price="10"):
    return BudgetLineData(item=item, category=M, quantity=Decimal(quantity),
                          unit_price=Decimal(price))


def refusal(member, application, data) -> NotAllowed:
    with pytest.raises(NotAllowed) as refused:
        services.save_draft(member, application, data)
    db.session.rollback()
    return refused.value


# ---------------------------------------------------------------- the service


@pytest.mark.parametrize("table, cap, make_row", [
    ("budget_lines", proposal.MAX_BUDGET_LINES, lambda i: line(f"物资{i}")),
    ("plan_rows", proposal.MAX_PLAN_ROWS, lambda i: PlanRowData(period=f"{i}月", activity="走访")),
    ("team_members", proposal.MAX_TEAM_MEMBERS, lambda i: TeamMemberData(name=f"队员{i}")),
])
def test_save_draft_refuses_more_rows_than_a_table_may_have(member, organisation, open_round,
                                                            table, cap, make_row):
    application = make_application(open_round, organisation)
    too_many = application_data(**{table: [make_row(i) for i in range(cap + 1)]})
    refused = refusal(member, application, too_many)
    assert refused.field == table and str(cap) in refused.reason
    full = application_data(**{table: [make_row(i) for i in range(cap)]})
    services.save_draft(member, db.session.get(Application, application.id), full)
    db.session.commit()
    assert len(getattr(db.session.get(Application, application.id), table)) == cap


@pytest.mark.parametrize("field, limit", [
    ("title", 200), ("target_group", 200), ("place", 200), ("summary", 5000),
    ("objectives", 5000)])
def test_a_text_longer_than_its_limit_is_refused_next_to_its_field(member, organisation,
                                                                  open_round, field, limit):
    application = make_application(open_round, organisation)
    refused = refusal(member, application, application_data(**{field: "长" * 10_000}))
    assert refused.field == field and str(limit) in refused.reason
    services.save_draft(member, db.session.get(Application, application.id),
                        application_data(**{field: "长" * limit}))
    db.session.commit()


@pytest.mark.parametrize("table, row, text", [
    ("budget_lines", line(item="长" * 201), "预算项目"),
    ("budget_lines", BudgetLineData("物资", M, Decimal(1), Decimal(1), note="长" * 201), "备注"),
    ("plan_rows", PlanRowData(period="长" * 101, activity="走访"), "时间或时段"),
    ("plan_rows", PlanRowData(period="3月", activity="长" * 2001), "活动内容"),
    ("team_members", TeamMemberData(name="长" * 61), "姓名"),
    ("team_members", TeamMemberData(name="张三", role="长" * 61), "分工"),
    ("team_members", TeamMemberData(name="张三", phone="1" * 21), "电话"),
])
def test_a_row_text_longer_than_its_column_is_refused_with_its_row_number(
        member, organisation, open_round, table, row, text):
    application = make_application(open_round, organisation)
    refused = refusal(member, application, application_data(**{table: [row]}))
    assert refused.field == table
    assert "第 1 行" in refused.reason and text in refused.reason


def test_a_region_not_in_the_list_is_refused(member, organisation, open_round):
    application = make_application(open_round, organisation)
    refused = refusal(member, application, application_data(region="区" * 10_000))
    assert refused.field == "region"


@pytest.mark.parametrize("field", ["beneficiaries", "volunteers"])
def test_a_count_beyond_any_real_project_is_refused(member, organisation, open_round, field):
    application = make_application(open_round, organisation)
    refused = refusal(member, application, application_data(**{field: 10 ** 12}))
    assert refused.field == field


@pytest.mark.parametrize("lines", [
    [line(quantity="9999999999", price="999999999")],   # one line beyond the maximum
    [line(quantity="1", price="600000000")] * 2,        # a total beyond it
    [line(quantity="10000000000", price="0")],          # quantity beyond Numeric(12, 2)
    [line(quantity="0.01", price="1000000000")],        # a unit price beyond the maximum
])
def test_amounts_the_columns_cannot_hold_are_refused(member, organisation, open_round, lines):
    application = make_application(open_round, organisation)
    refused = refusal(member, application, application_data(budget_lines=lines))
    assert refused.field == "budget_lines"


# ---------------------------------------------------------------- the form


def rows(prefix: str, n: int, start: int = 0, **cells) -> dict:
    return {f"{prefix}-{i}-{name}": value.format(i=i)
            for i in range(start, start + n) for name, value in cells.items()}


def budget_rows(n: int, start: int = 0) -> dict:
    return rows("budget", n, start, item="物资{i}", category="materials", quantity="1",
                unit_price="1")


BASE = {"title": "海岛老人陪伴计划", "category": "关爱帮扶", "region": "普陀区",
        "action": "save"}


def test_the_form_refuses_thousands_of_budget_rows_with_a_message(login_as, member,
                                                                  organisation, open_round):
    client = login_as(member)
    response = client.post(f"/applications/new?round_id={open_round.id}",
                           data={**BASE, **budget_rows(12_000)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "最多 100 行，你填写了 12000 行。" in html
    assert db.session.scalar(select(func.count(Application.id))) == 0
    assert html.count('data-budget-row') == proposal.MAX_BUDGET_LINES  # no blanks beyond


def test_blank_rows_do_not_count_towards_the_cap(login_as, member, organisation, open_round):
    client = login_as(member)
    blanks = rows("budget", 5, item="", category="materials", quantity="", unit_price="")
    data = {**BASE, **blanks, **budget_rows(proposal.MAX_BUDGET_LINES, start=5)}
    response = client.post(f"/applications/new?round_id={open_round.id}", data=data)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(BudgetLine.id))) == proposal.MAX_BUDGET_LINES


@pytest.mark.parametrize("table, cap, cells", [
    ("plan", proposal.MAX_PLAN_ROWS, {"period": "{i}月", "activity": "走访"}),
    ("team", proposal.MAX_TEAM_MEMBERS, {"name": "队员{i}"}),
])
def test_the_form_refuses_too_many_plan_or_team_rows(login_as, member, organisation,
                                                     open_round, table, cap, cells):
    client = login_as(member)
    response = client.post(f"/applications/new?round_id={open_round.id}",
                           data={**BASE, **rows(table, cap + 1, **cells)})
    assert response.status_code == 422
    assert f"最多 {cap} 行，你填写了 {cap + 1} 行。" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_a_very_long_title_gets_a_message_not_a_server_error(login_as, member, organisation,
                                                             open_round):
    client = login_as(member)
    response = client.post(f"/applications/new?round_id={open_round.id}",
                           data={**BASE, "title": "长" * 10_000})
    assert response.status_code == 422
    assert "200" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_a_forged_region_is_refused_next_to_the_field_keeping_what_was_typed(
        login_as, member, organisation, open_round):
    client = login_as(member)
    response = client.post(f"/applications/new?round_id={open_round.id}",
                           data={**BASE, "region": "区" * 10_000, "summary": "留着的简介"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请从列表中选择实施县区。" in html and "留着的简介" in html
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_a_service_refusal_about_budget_lines_shows_above_the_budget_table(
        login_as, member, organisation, open_round, monkeypatch):
    # The form refuses what the service would at the same maximum; a lower one in the service
    # alone shows where a refusal the form cannot foresee is displayed.
    monkeypatch.setattr(services, "MAX_AMOUNT", Decimal("10000000"))
    client = login_as(member)
    data = {**BASE, "budget-0-item": "大额", "budget-0-category": "materials",
            "budget-0-quantity": "2", "budget-0-unit_price": "6000000"}
    html = client.post(f"/applications/new?round_id={open_round.id}",
                       data=data).get_data(as_text=True)
    budget = html.split('id="budget"')[1].split("</fieldset>")[0]
    assert "每行预算的单价和金额都不能超过" in budget
    assert 'value="6000000"' in budget


def test_a_proposal_saved_before_the_caps_opens_with_a_warning_and_cannot_be_submitted(
        login_as, member, organisation, open_round):
    lines = [("物资", M, "1", "1")] * 150
    application = make_application(open_round, organisation, data=application_data(lines=lines))
    html = login_as(member).get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert "预算明细有 150 行，超过上限 100 行" in html
    assert html.count("data-budget-row") == proposal.MAX_BUDGET_LINES
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submit_application(member, db.session.get(Application, application.id))
    assert any(p.field == "budget_lines" and "现在有 150 行" in p.reason
               for p in refused.value.problems)
