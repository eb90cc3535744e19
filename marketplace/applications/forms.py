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
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.utils import unset_value
from wtforms.validators import Length, Optional, ValidationError

from marketplace.applications.proposal import (
    MAX_BUDGET_LINES,
    MAX_PLAN_ROWS,
    MAX_TEAM_MEMBERS,
    ApplicationData,
    BudgetLineData,
    PlanRowData,
    TeamMemberData,
    line_amount,
)
from marketplace.core.forms import CountField, DateInRange, MoneyField, QuantityField
from marketplace.core.money import MAX_AMOUNT, format_yuan
from marketplace.rounds.forms import MultiCheckboxField
from marketplace.rounds.models import BUDGET_CATEGORY_LABELS, BudgetCategory

BLANK_ROWS = 2  # extra empty rows offered below the filled ones
MIN_BUDGET_ROWS = 3


class RowList(FieldList):
    """Table rows, at most `max_entries` filled ones. Blank rows never count (they are
    dropped first); more filled rows than the cap are not cut off silently but refused with
    a message above the table. The service refuses them again (services.ROW_TABLES)."""

    def __init__(self, unbound_field, *args, max_entries: int, **kwargs):
        super().__init__(unbound_field, *args, max_entries=max_entries, **kwargs)
        self.too_many = 0

    def _extract_indices(self, prefix, formdata):
        content = unbound_content_fields(self.unbound_field)
        filled: dict[int, bool] = {}
        offset = len(prefix) + 1
        for key in formdata:
            if not key.startswith(prefix + self._separator):
                continue
            index, _, name = key[offset:].partition(self._field_separator)
            if not index.isdigit():
                continue
            has_text = name in content and any(
                str(value).strip() for value in formdata.getlist(key))
            filled[int(index)] = filled.get(int(index), False) or has_text
        rows = sorted(i for i, has_text in filled.items() if has_text)
        self.too_many = len(rows)
        if len(rows) <= self.max_entries:
            self.too_many = 0
            blanks = sorted(i for i, has_text in filled.items() if not has_text)
            rows += blanks[:self.max_entries - len(rows)]
        return rows[:self.max_entries]

    def process(self, formdata, data=unset_value, extra_filters=None):
        """The rows sent (and data), then blank rows up to min_entries. WTForms renumbers the
        rows sent to 0, 1, 2 …, and would fill the minimum from the form under the new
        numbers: with rows 0 and 2 sent (row 1 removed on the page) it read row 2 twice. The
        blank rows are blank, not read from the form."""
        minimum, self.min_entries = self.min_entries, 0
        try:
            super().process(formdata, data, extra_filters)
        finally:
            self.min_entries = minimum
        while len(self.entries) < self.min_entries:
            self._add_entry()

    def validate(self, form, extra_validators=()):
        valid = super().validate(form, extra_validators)
        if self.too_many:
            self.errors.append(str(_l("最多 %(n)d 行，你填写了 %(count)d 行。",
                                      n=self.max_entries, count=self.too_many)))
            return False
        return valid


def unbound_content_fields(unbound_field) -> tuple[str, ...]:
    """The row form's fields that make a row non-blank (a select alone does not)."""
    return unbound_field.args[0].CONTENT_FIELDS


class BudgetRowForm(Form):
    CONTENT_FIELDS = ("item", "quantity", "unit_price")
    remove = BooleanField(_l("删除"))

    item = StringField(_l("预算项目"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("费用类别"), choices=[
        SelectChoice(c.value, label) for c, label in BUDGET_CATEGORY_LABELS.items()],
        default=BudgetCategory.MATERIALS.value)
    quantity = QuantityField(_l("数量"), validators=[Optional()],
                             message=_l("数量须为大于 0 的数，最多两位小数。"))
    unit_price = MoneyField(_l("单价（元）"), validators=[Optional()],
                            message=_l("单价须为不小于 0 的金额，最多两位小数。"))

    def is_blank(self) -> bool:
        """Nothing typed, or marked 删除 (the no-JavaScript way to remove a row)."""
        return self.remove.data or not any(str(self[f].data or "").strip()
                                           for f in self.CONTENT_FIELDS)


class PlanRowForm(Form):
    CONTENT_FIELDS = ("period", "activity", "expected_output")
    remove = BooleanField(_l("删除"))
    period = StringField(_l("时间或时段"), validators=[Optional(), Length(max=100)])
    activity = StringField(_l("活动内容"), validators=[Optional(), Length(max=2000)])
    expected_output = StringField(_l("预期成果"), validators=[Optional(), Length(max=2000)])

    def is_blank(self) -> bool:
        """Nothing typed, or marked 删除 (the no-JavaScript way to remove a row)."""
        return self.remove.data or not any(str(self[f].data or "").strip()
                                           for f in self.CONTENT_FIELDS)


class TeamRowForm(Form):
    CONTENT_FIELDS = ("name", "role", "phone")
    remove = BooleanField(_l("删除"))
    name = StringField(_l("姓名"), validators=[Optional(), Length(max=60)])
    role = StringField(_l("分工"), validators=[Optional(), Length(max=60)])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=20)])

    def is_blank(self) -> bool:
        """Nothing typed, or marked 删除 (the no-JavaScript way to remove a row)."""
        return self.remove.data or not any(str(self[f].data or "").strip()
                                           for f in self.CONTENT_FIELDS)


class ApplicationForm(FlaskForm):
    # One per rendering of the new-application form: saving it twice starts one draft.
    start_token = HiddenField()
    organisation_id = SelectField(_l("申报组织"), coerce=int, validate_choice=False)
    title = StringField(_l("项目名称"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("项目类别"), validate_choice=False)
    themes = MultiCheckboxField(_l("主题"), description=_l(
        "可多选，也可不选：主题跨类别，例如一个理论宣讲项目也可以与文明创建相关。"))
    summary = TextAreaField(_l("项目简介"), validators=[Optional(), Length(max=5000)])
    objectives = TextAreaField(_l("项目目标"), validators=[Optional(), Length(max=5000)])
    target_group = StringField(_l("服务对象"), validators=[Optional(), Length(max=200)])
    beneficiaries = CountField(_l("受益人数"), validators=[Optional()], maximum=10_000_000)
    place = StringField(_l("实施地点"), validators=[Optional(), Length(max=200)])
    region = SelectField(_l("实施县区"), validate_choice=False)
    start_date = DateField(_l("开始日期"), validators=[Optional(), DateInRange()])
    end_date = DateField(_l("结束日期"), validators=[Optional(), DateInRange()])
    volunteers = CountField(_l("志愿者人数"), validators=[Optional()], maximum=1_000_000)
    budget = RowList(FormField(BudgetRowForm), min_entries=MIN_BUDGET_ROWS,
                     max_entries=MAX_BUDGET_LINES)
    plan = RowList(FormField(PlanRowForm), min_entries=2, max_entries=MAX_PLAN_ROWS)
    team = RowList(FormField(TeamRowForm), min_entries=2, max_entries=MAX_TEAM_MEMBERS)
    # Sent with the whole form (上传附件): the first upload saves the draft, so files can be
    # added before the first save.
    file = FileField(_l("添加附件"),
                     description=_l("PDF、JPG、PNG、DOCX 或 XLSX，每个不超过 10 MB。"))

    def __init__(self, *args, round_=None, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        categories = (round_.categories if round_ is not None else None) or []
        self.category.choices = [SelectChoice("", _l("请选择"))] + [
            SelectChoice(c) for c in categories]
        # The round's themes, and any kept from before that the round no longer has (so the
        # service names it instead of the box silently dropping it).
        themes = list((round_.themes if round_ is not None else None) or [])
        themes += [t for t in (self.themes.data or []) if t not in themes]
        self.themes.choices = [SelectChoice(t) for t in themes]
        self.region.choices = [SelectChoice("", _l("请选择"))] + [
            SelectChoice(r) for r in current_app.config["REGIONS"]]
        self.organisation_id.choices = [SelectChoice(o.id, o.name) for o in organisations]

    # The service names its refusals after ApplicationData; they show above these tables.
    @property
    def budget_lines(self) -> RowList:
        return self.budget

    @property
    def plan_rows(self) -> RowList:
        return self.plan

    @property
    def team_members(self) -> RowList:
        return self.team

    def add_blank_rows(self) -> None:
        """Offer a few empty rows after the filled ones (for use without JavaScript), never
        more rows than a table may have."""
        for rows, minimum in ((self.budget, MIN_BUDGET_ROWS), (self.plan, 2), (self.team, 2)):
            blanks = sum(1 for entry in rows if entry.form.is_blank())
            wanted = max(BLANK_ROWS - blanks, minimum - len(rows.entries), 0)
            for _ in range(min(wanted, rows.max_entries - len(rows.entries))):
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
            themes=list(self.themes.data or []),
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
        """Initial values from an application (for GET). A proposal saved before the row
        caps existed shows only as many rows as a table may have (see too_many_rows)."""
        return {
            "title": application.title, "category": application.category,
            "themes": list(application.themes),
            "summary": application.summary, "objectives": application.objectives,
            "target_group": application.target_group,
            "beneficiaries": application.beneficiaries, "place": application.place,
            "region": application.region, "start_date": application.start_date,
            "end_date": application.end_date, "volunteers": application.volunteers,
            "budget": [{"item": b.item, "category": b.category.value,
                        "quantity": _plain_number(b.quantity),
                        "unit_price": _plain_number(b.unit_price)}
                       for b in application.budget_lines[:MAX_BUDGET_LINES]],
            "plan": [{"period": p.period, "activity": p.activity,
                      "expected_output": p.expected_output}
                     for p in application.plan_rows[:MAX_PLAN_ROWS]],
            "team": [{"name": t.name, "role": t.role, "phone": t.phone}
                     for t in application.team_members[:MAX_TEAM_MEMBERS]],
        }

    @staticmethod
    def too_many_rows(application) -> list[str]:
        """A warning per table of a proposal holding more rows than the form shows."""
        return [str(_l("%(table)s有 %(count)d 行，超过上限 %(n)d 行：这里只显示前 %(n)d 行，"
                       "保存后其余各行将被删除。", table=label, count=count, n=cap))
                for label, count, cap in (
                    (_l("预算明细"), len(application.budget_lines), MAX_BUDGET_LINES),
                    (_l("活动计划"), len(application.plan_rows), MAX_PLAN_ROWS),
                    (_l("项目团队"), len(application.team_members), MAX_TEAM_MEMBERS))
                if count > cap]


def _plain_number(value: Decimal) -> str:
    """12.00 -> "12", 2.50 -> "2.5": what a person would type."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class UploadForm(FlaskForm):
    file = FileField(_l("附件"), description=_l("PDF、JPG、PNG、DOCX 或 XLSX，每个不超过 10 MB。"))


class ReturnForm(FlaskForm):
    comment = TextAreaField(_l("退回意见"), validators=[Length(max=2000)])


class CopyForm(FlaskForm):
    """复制为新申报: the round the copy goes to; the token makes a double click one copy."""
    start_token = HiddenField()
    round_id = SelectField(_l("复制到"), coerce=int, validate_choice=False)

    def __init__(self, *args, rounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.round_id.choices = [SelectChoice(r.id, r.title) for r in rounds]


class PoolMoveForm(FlaskForm):
    """The organizer moves an application to another pool of its round, with a reason."""
    pool_id = SelectField(_l("调整到资金池"), coerce=int, validate_choice=False)
    reason = TextAreaField(_l("调整原因"), validators=[Length(max=2000)],
                           description=_l("记入审计日志。"))

    def __init__(self, *args, pools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pool_id.choices = [SelectChoice(p.id, f"{p.name}（{p.kind.label}）") for p in pools]


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
