"""The application form. Table rows (budget, plan, team) are WTForms FieldLists named
`budget-0-item` …: the page works without JavaScript (a few blank rows, blank rows ignored),
and static/js/applications.js adds rows with the next index."""
from __future__ import annotations

from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, ValidationError

from marketplace.applications.services import (
    ApplicationData,
    BudgetLineData,
    PlanRowData,
    TeamMemberData,
    line_amount,
)
from marketplace.core.forms import CountField, DateInRange, MoneyField, QuantityField
from marketplace.core.money import MAX_AMOUNT, format_yuan
from marketplace.rounds.models import BUDGET_CATEGORY_LABELS, BudgetCategory

BLANK_ROWS = 2  # extra empty rows offered below the filled ones
MIN_BUDGET_ROWS = 3


class BudgetRowForm(Form):
    item = StringField(_l("预算项目"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("费用类别"), choices=[
        SelectChoice(c.value, label) for c, label in BUDGET_CATEGORY_LABELS.items()],
        default=BudgetCategory.MATERIALS.value)
    quantity = QuantityField(_l("数量"), validators=[Optional()],
                             message=_l("数量须为大于 0 的数，最多两位小数。"))
    unit_price = MoneyField(_l("单价（元）"), validators=[Optional()],
                            message=_l("单价须为不小于 0 的金额，最多两位小数。"))

    def is_blank(self) -> bool:
        return not any((f.data or "").strip() for f in (self.item, self.quantity,
                                                        self.unit_price))


class PlanRowForm(Form):
    period = StringField(_l("时间或时段"), validators=[Optional(), Length(max=100)])
    activity = StringField(_l("活动内容"), validators=[Optional(), Length(max=2000)])
    expected_output = StringField(_l("预期成果"), validators=[Optional(), Length(max=2000)])

    def is_blank(self) -> bool:
        return not any((f.data or "").strip() for f in (self.period, self.activity,
                                                        self.expected_output))


class TeamRowForm(Form):
    name = StringField(_l("姓名"), validators=[Optional(), Length(max=60)])
    role = StringField(_l("分工"), validators=[Optional(), Length(max=60)])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=20)])

    def is_blank(self) -> bool:
        return not any((f.data or "").strip() for f in (self.name, self.role, self.phone))


class ApplicationForm(FlaskForm):
    organisation_id = SelectField(_l("申报组织"), coerce=int, validate_choice=False)
    title = StringField(_l("项目名称"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("项目类别"), validate_choice=False)
    summary = TextAreaField(_l("项目简介"), validators=[Optional(), Length(max=5000)])
    objectives = TextAreaField(_l("项目目标"), validators=[Optional(), Length(max=5000)])
    target_group = StringField(_l("服务对象"), validators=[Optional(), Length(max=200)])
    beneficiaries = CountField(_l("受益人数"), validators=[Optional()], maximum=10_000_000)
    place = StringField(_l("实施地点"), validators=[Optional(), Length(max=200)])
    region = SelectField(_l("实施县区"), validate_choice=False)
    start_date = DateField(_l("开始日期"), validators=[Optional(), DateInRange()])
    end_date = DateField(_l("结束日期"), validators=[Optional(), DateInRange()])
    volunteers = CountField(_l("志愿者人数"), validators=[Optional()], maximum=1_000_000)
    budget = FieldList(FormField(BudgetRowForm), min_entries=MIN_BUDGET_ROWS)
    plan = FieldList(FormField(PlanRowForm), min_entries=2)
    team = FieldList(FormField(TeamRowForm), min_entries=2)

    def __init__(self, *args, round_=None, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        categories = (round_.categories if round_ is not None else None) or []
        self.category.choices = [SelectChoice("", _l("请选择"))] + [
            SelectChoice(c) for c in categories]
        self.region.choices = [SelectChoice("", _l("请选择"))] + [
            SelectChoice(r) for r in current_app.config["REGIONS"]]
        self.organisation_id.choices = [SelectChoice(o.id, o.name) for o in organisations]

    def add_blank_rows(self) -> None:
        """Offer a few empty rows after the filled ones (for use without JavaScript)."""
        for rows, minimum in ((self.budget, MIN_BUDGET_ROWS), (self.plan, 2), (self.team, 2)):
            blanks = sum(1 for entry in rows if entry.form.is_blank())
            for _ in range(max(BLANK_ROWS - blanks, minimum - len(rows.entries), 0)):
                rows.append_entry()

    def validate_budget(self, field):
        total = Decimal(0)
        for entry in field.entries:
            row = entry.form
            if row.is_blank():
                continue
            if not (row.item.data or "").strip():
                row.item.errors = [*row.item.errors, _l("请填写预算项目。")]
            # A cell typed wrong already carries its field's message; an empty one does not.
            if row.quantity.quantity is None and not row.quantity.errors:
                row.quantity.errors = [*row.quantity.errors,
                                       _l("数量须为大于 0 的数，最多两位小数。")]
            if row.unit_price.amount is None and not row.unit_price.errors:
                row.unit_price.errors = [*row.unit_price.errors,
                                         _l("单价须为不小于 0 的金额，最多两位小数。")]
            amount = self.row_amount(row)
            if amount is not None and amount > MAX_AMOUNT:
                row.unit_price.errors = [*row.unit_price.errors, _l(
                    "本行金额不能超过 %(max)s。", max=format_yuan(MAX_AMOUNT))]
            total += amount or 0
        if any(e.form.item.errors or e.form.quantity.errors or e.form.unit_price.errors
               for e in field.entries):
            # Makes validate() false; the messages sit next to each cell. (str(): the page
            # shows the budget's own messages apart from its rows' error dicts by type.)
            raise ValidationError(str(_l("请修改预算明细中标出的错误。")))
        if total > MAX_AMOUNT:
            raise ValidationError(str(_l("预算合计不能超过 %(max)s。",
                                         max=format_yuan(MAX_AMOUNT))))

    def to_data(self) -> ApplicationData:
        return ApplicationData(
            title=self.title.data or "", category=self.category.data or "",
            summary=self.summary.data or "", objectives=self.objectives.data or "",
            target_group=self.target_group.data or "", beneficiaries=self.beneficiaries.data,
            place=self.place.data or "", region=self.region.data or "",
            start_date=self.start_date.data, end_date=self.end_date.data,
            volunteers=self.volunteers.data,
            budget_lines=[
                BudgetLineData(item=(r.item.data or "").strip(),
                               category=BudgetCategory(r.category.data),
                               quantity=r.quantity.quantity, unit_price=r.unit_price.amount)
                for r in (e.form for e in self.budget.entries) if not r.is_blank()],
            plan_rows=[
                PlanRowData(period=r.period.data or "", activity=r.activity.data or "",
                            expected_output=r.expected_output.data or "")
                for r in (e.form for e in self.plan.entries) if not r.is_blank()],
            team_members=[
                TeamMemberData(name=r.name.data or "", role=r.role.data or "",
                               phone=r.phone.data or "")
                for r in (e.form for e in self.team.entries) if not r.is_blank()],
        )

    @staticmethod
    def row_amount(row) -> Decimal | None:
        """quantity × unit price of a form row, as the server computes it (None if unparsable)."""
        if row.quantity.quantity is None or row.unit_price.amount is None:
            return None
        return line_amount(row.quantity.quantity, row.unit_price.amount)

    @classmethod
    def data_of(cls, application) -> dict:
        """Initial values from an application (for GET)."""
        return {
            "title": application.title, "category": application.category,
            "summary": application.summary, "objectives": application.objectives,
            "target_group": application.target_group,
            "beneficiaries": application.beneficiaries, "place": application.place,
            "region": application.region, "start_date": application.start_date,
            "end_date": application.end_date, "volunteers": application.volunteers,
            "budget": [{"item": b.item, "category": b.category.value,
                        "quantity": _plain_number(b.quantity),
                        "unit_price": _plain_number(b.unit_price)}
                       for b in application.budget_lines],
            "plan": [{"period": p.period, "activity": p.activity,
                      "expected_output": p.expected_output} for p in application.plan_rows],
            "team": [{"name": t.name, "role": t.role, "phone": t.phone}
                     for t in application.team_members],
        }


def _plain_number(value: Decimal) -> str:
    """12.00 -> "12", 2.50 -> "2.5": what a person would type."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class UploadForm(FlaskForm):
    file = FileField(_l("附件"), description=_l("PDF、JPG、PNG、DOCX 或 XLSX，每个不超过 10 MB。"))


class ReturnForm(FlaskForm):
    comment = TextAreaField(_l("退回意见"), validators=[Length(max=2000)])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
