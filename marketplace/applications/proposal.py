"""The proposal as typed: its data, the limits on what may be stored (rows, texts, counts), and
the budget's arithmetic — a line's amount is quantity × unit price rounded half-up to the
fen, the requested amount their sum, both computed here, never taken from the client."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from marketplace.applications.models import Application, BudgetLine, PlanRow, TeamMember
from marketplace.core.money import FEN, from_fen, to_fen
from marketplace.core.policy import NotAllowed
from marketplace.rounds.models import BudgetCategory


@dataclass
class BudgetLineData:
    item: str
    category: BudgetCategory
    quantity: Decimal
    unit_price: Decimal
    note: str = ""


@dataclass
class PlanRowData:
    period: str
    activity: str
    expected_output: str = ""


@dataclass
class TeamMemberData:
    name: str
    role: str = ""
    phone: str = ""


@dataclass
class ApplicationData:
    title: str = ""
    category: str = ""
    summary: str = ""
    objectives: str = ""
    target_group: str = ""
    beneficiaries: int | None = None
    place: str = ""
    region: str = ""
    start_date: date | None = None
    end_date: date | None = None
    volunteers: int | None = None
    budget_lines: list[BudgetLineData] = field(default_factory=list)
    plan_rows: list[PlanRowData] = field(default_factory=list)
    team_members: list[TeamMemberData] = field(default_factory=list)
    # Any of the round's themes (主题), each once; none is fine.
    themes: list[str] = field(default_factory=list)


PROPOSAL_FIELDS = ["title", "category", "summary", "objectives", "target_group",
                   "beneficiaries", "place", "region", "start_date", "end_date", "volunteers"]


# Rows a proposal may have. Far more than a real proposal needs; without a cap one member
# could store thousands of rows and make every page that shows the proposal time out.
MAX_BUDGET_LINES = 100


MAX_PLAN_ROWS = 100


MAX_TEAM_MEMBERS = 50


# Long texts are stored in Text columns, which hold anything: capped all the same.
MAX_LONG_TEXT = 5000


MAX_ROW_TEXT = 2000


# Counts and amounts must fit the integer columns; these are far above any real project.
MAX_HEADCOUNT = 10_000_000


MAX_QUANTITY = Decimal("9999999999.99")      # BudgetLine.quantity is Numeric(12, 2)


def column_length(attribute) -> int:
    """The n of a String(n) column: what the database can hold."""
    return attribute.property.columns[0].type.length


# (field, label, limit) of the typed texts, checked before anything is stored.
PROPOSAL_TEXTS = [
    ("title", _l("项目名称"), column_length(Application.title)),
    ("summary", _l("项目简介"), MAX_LONG_TEXT),
    ("objectives", _l("项目目标"), MAX_LONG_TEXT),
    ("target_group", _l("服务对象"), column_length(Application.target_group)),
    ("place", _l("实施地点"), column_length(Application.place)),
]


BUDGET_LINE_TEXTS = [("item", _l("预算项目"), column_length(BudgetLine.item)),
                     ("note", _l("备注"), column_length(BudgetLine.note))]


PLAN_ROW_TEXTS = [("period", _l("时间或时段"), column_length(PlanRow.period)),
                  ("activity", _l("活动内容"), MAX_ROW_TEXT),
                  ("expected_output", _l("预期成果"), MAX_ROW_TEXT)]


TEAM_MEMBER_TEXTS = [("name", _l("姓名"), column_length(TeamMember.name)),
                     ("role", _l("分工"), column_length(TeamMember.role)),
                     ("phone", _l("电话"), column_length(TeamMember.phone))]


# (ApplicationData field, cap, label of the table, its texts)
ROW_TABLES = [
    ("budget_lines", MAX_BUDGET_LINES, _l("预算明细"), BUDGET_LINE_TEXTS),
    ("plan_rows", MAX_PLAN_ROWS, _l("活动计划"), PLAN_ROW_TEXTS),
    ("team_members", MAX_TEAM_MEMBERS, _l("项目团队"), TEAM_MEMBER_TEXTS),
]


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """quantity × unit price, rounded half-up to the fen."""
    return from_fen(to_fen(Decimal(quantity) * Decimal(unit_price)))


@dataclass
class BudgetSummary:
    total: Decimal
    # category -> (amount, share of the total in percent, 2 decimals)
    by_category: dict[BudgetCategory, tuple[Decimal, Decimal]]


def budget_summary(lines) -> BudgetSummary:
    """Total and per-category amounts and shares of BudgetLine rows (or BudgetLineData)."""
    amounts: dict[BudgetCategory, Decimal] = {}
    for line in lines:
        amount = line.amount if isinstance(line, BudgetLine) else line_amount(
            line.quantity, line.unit_price)
        amounts[line.category] = amounts.get(line.category, Decimal("0.00")) + amount
    total = sum(amounts.values(), Decimal("0.00"))
    shares = {
        c: (a, (a * 100 / total).quantize(FEN) if total else Decimal("0.00"))
        for c, a in amounts.items()
    }
    return BudgetSummary(total=total, by_category=shares)


def clean_text(text: str | None) -> str:
    return (text or "").strip()


def refuse_unstorable(data: ApplicationData) -> None:
    """Refuse, next to its field, what the database cannot hold or what would make the
    proposal too big to show: too many rows, too long a text, too large a count."""
    for name, label, limit in PROPOSAL_TEXTS:
        if len(clean_text(getattr(data, name))) > limit:
            raise NotAllowed(_l("%(label)s不能超过 %(n)d 个字。", label=label, n=limit),
                             field=name)
    for name in ("beneficiaries", "volunteers"):
        value = getattr(data, name)
        if value is not None and not 0 <= value <= MAX_HEADCOUNT:
            raise NotAllowed(_l("人数应在 0 到 %(n)d 之间。", n=MAX_HEADCOUNT), field=name)
    for name, cap, table, texts in ROW_TABLES:
        rows = getattr(data, name)
        if len(rows) > cap:
            raise NotAllowed(_l("%(table)s最多 %(n)d 行，现在有 %(count)d 行。",
                                table=table, n=cap, count=len(rows)), field=name)
        for number, row in enumerate(rows, start=1):
            for text_name, label, limit in texts:
                if len(clean_text(getattr(row, text_name))) > limit:
                    raise NotAllowed(
                        _l("%(table)s第 %(row)d 行：%(label)s不能超过 %(n)d 个字。",
                           table=table, row=number, label=label, n=limit), field=name)
