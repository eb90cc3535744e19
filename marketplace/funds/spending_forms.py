"""Forms of the spending pages: an expense with its invoice scan, the budget lines of a revised
budget or a variation, the explanation thread, decisions, funding sources and the round's
spending rules. Choices that depend on the award or the sources are filled in per request."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
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
from wtforms.validators import Length, Optional

from marketplace.applications.forms import RowList
from marketplace.core.forms import CountField, DateInRange, MoneyField
from marketplace.funds.spending_models import FUNDING_SOURCE_KIND_LABELS
from marketplace.funds.variations import MAX_LINES
from marketplace.rounds.models import BUDGET_CATEGORY_LABELS, BudgetCategory

BLANK_LINES = 2  # empty rows offered below the budget's lines, for new ones


def optional_int(value):
    """A select's value as an int, or None for the empty choice."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""


class ExpenseForm(FlaskForm):
    # One per rendering: a repeated submit of the same form records one expense.
    form_token = HiddenField()
    line_key = SelectField(_l("预算项目"), coerce=optional_int, validate_choice=False)
    spent_on = DateField(_l("支出日期"), validators=[Optional(), DateInRange()])
    amount = MoneyField(_l("金额（元）"), validators=[Optional()],
                        message=_l("请填写金额（元），最多两位小数。"))
    payee = StringField(_l("收款方"), validators=[Optional(), Length(max=200)])
    description = StringField(_l("用途说明"), validators=[Optional(), Length(max=500)])
    invoice_number = StringField(_l("发票号码"), validators=[Optional(), Length(max=64)])
    scan = FileField(_l("发票扫描件（PDF、JPG、PNG，不超过 10 MB）"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("理由"), validators=[Optional(), Length(max=2000)])


class QuestionForm(FlaskForm):
    line_key = HiddenField()
    question = TextAreaField(_l("需要说明的问题"), validators=[Optional(), Length(max=2000)])


class AnswerForm(FlaskForm):
    line_key = HiddenField()
    answer = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])


class LineForm(Form):
    CONTENT_FIELDS = ("item", "amount")

    key = HiddenField()
    item = StringField(_l("预算项目"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("费用类别"), choices=[
        SelectChoice(c.value, label) for c, label in BUDGET_CATEGORY_LABELS.items()],
        default=BudgetCategory.MATERIALS.value)
    amount = MoneyField(_l("金额（元）"), validators=[Optional()],
                        message=_l("金额须为不小于 0 的数，最多两位小数。"))


class BudgetForm(FlaskForm):
    """The revised budget: the lines, summing to the award."""

    lines = RowList(FormField(LineForm), min_entries=1, max_entries=MAX_LINES + BLANK_LINES)


class VariationForm(BudgetForm):
    end_date = DateField(_l("项目结束日期"), validators=[Optional(), DateInRange()])
    reason = TextAreaField(_l("调整理由"), validators=[Optional(), Length(max=2000)])


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("审批意见"), validators=[Optional(), Length(max=2000)])


class SourceForm(FlaskForm):
    kind = SelectField(_l("类别"), choices=[
        SelectChoice(k.value, label) for k, label in FUNDING_SOURCE_KIND_LABELS.items()])
    name = StringField(_l("名称（合作部门、企业、基金会填写）"),
                       validators=[Optional(), Length(max=120)])


class SliceForm(Form):
    CONTENT_FIELDS = ("amount",)

    source_id = SelectField(_l("来源"), coerce=optional_int, validate_choice=False)
    amount = MoneyField(_l("金额（元）"), validators=[Optional()],
                        message=_l("请填写金额（元），最多两位小数。"))


class PoolSourcesForm(FlaskForm):
    slices = FieldList(FormField(SliceForm), min_entries=3, max_entries=10)


class SpendingRulesForm(FlaskForm):
    overspend_percent = CountField(_l("超支提醒比例（%）"), minimum=0, maximum=1000)
    variation_percent = CountField(_l("预算调整需审批的比例（%）"), minimum=0, maximum=100)
