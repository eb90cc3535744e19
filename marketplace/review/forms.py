from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from marketplace.core.forms import CountField, DateInRange, MoneyField
from marketplace.review.models import OthersScores, ScoringMethod


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ReviewDeadlineForm(FlaskForm):
    review_ends_at = DateTimeLocalField(
        _l("评审截止时间"), format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("请填写评审截止时间。")), DateInRange()],
        description=_l("北京时间。截止后专家不能再保存或提交评分；可随时延长。"))


class SettingsForm(FlaskForm):
    # InputRequired, not DataRequired: a mistyped number keeps its own message.
    reviewers_per_application = CountField(
        _l("每个项目的评审专家人数"), validators=[InputRequired()], minimum=1, maximum=15)
    blind = BooleanField(_l("匿名评审（专家看不到申报组织的身份信息）"))
    others_scores = SelectField(_l("其他专家的评分"), choices=[
        SelectChoice(OthersScores.AFTER_OWN.value, _l("提交自己的评分后可见")),
        SelectChoice(OthersScores.NEVER.value, _l("始终不可见"))])
    scoring_method = SelectField(_l("计分方法"))  # choices per request: __init__
    disagreement_points = CountField(
        _l("分歧提示阈值（分）"), validators=[InputRequired()], minimum=0, maximum=100,
        description=_l("同一项目的专家总分相差超过这个分数时提示。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A method's label is translated when it is asked for: built at import, the list
        # would stay in the language of whoever loaded the module first.
        self.scoring_method.choices = [SelectChoice(m.value, m.label) for m in ScoringMethod]


class CriterionForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(_l("评分项"), validators=[Optional(), Length(max=60)])
    weight = CountField(_l("权重"), validators=[Optional()], minimum=0, maximum=100)
    max_score = CountField(_l("满分"), validators=[Optional()], minimum=1, maximum=1000)
    guidance = StringField(_l("评分说明"), validators=[Optional(), Length(max=500)])


class RubricForm(FlaskForm):
    criteria = FieldList(FormField(CriterionForm), min_entries=8, max_entries=12)


class ConflictForm(FlaskForm):
    # Typed, not picked from a list: a list of every organisation would tell a blind
    # reviewer who applied.
    organisation = StringField(_l("组织名称或统一社会信用代码"), validators=[
        DataRequired(_l("请填写组织名称或统一社会信用代码。")), Length(max=120)])
    note = StringField(_l("关系说明"), validators=[Optional(), Length(max=200)],
                       description=_l("例如：本人为该组织成员、顾问或近亲属任职。"))


class RecuseForm(FlaskForm):
    note = TextAreaField(_l("回避原因"), validators=[DataRequired(_l("请说明需要回避的原因。")),
                                                  Length(max=1000)])


class AssignForm(FlaskForm):
    reviewer_id = SelectField(_l("评审专家"), coerce=int)


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("重新开放的理由"), validators=[
        DataRequired(_l("请填写重新开放的理由。")), Length(max=2000)])


class DecisionForm(FlaskForm):
    action = HiddenField()
    amount = MoneyField(_l("拟资助金额（元）"), validators=[Optional()])
    pool_id = SelectField(_l("资金池"), coerce=int, validators=[Optional()])
    feedback = TextAreaField(_l("给申报团队的反馈"), validators=[Optional(), Length(max=5000)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.action.data != "approve" and self.amount.errors:
            # The amount box is only read when approving: a slip in it must not stop a
            # rejection or a place on the waiting list.
            self.amount.errors = []
            valid = not any(field.errors for field in self)
        return valid


class ChangeDecisionForm(FlaskForm):
    """更改决定 before the 公示: the new outcome (none chosen at first), its money for an
    approval, and the reason, which the audit log keeps."""

    outcome = SelectField(_l("新的决定"), validators=[DataRequired(_l("请选择新的决定。"))])
    amount = MoneyField(_l("拟资助金额（元）"), validators=[Optional()])
    pool_id = SelectField(_l("资金池"), coerce=int, validators=[Optional()])
    feedback = TextAreaField(_l("给申报团队的反馈"), validators=[Optional(), Length(max=5000)])
    reason = TextAreaField(_l("更改理由"), validators=[
        DataRequired(_l("请填写更改或撤回决定的理由。")), Length(max=2000)],
        description=_l("记入操作日志，申报团队看不到。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [SelectChoice("", _l("请选择")),
                                SelectChoice("approve", _l("同意立项")),
                                SelectChoice("waitlist", _l("列入候补")),
                                SelectChoice("reject", _l("不予立项"))]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.outcome.data != "approve" and self.amount.errors:
            self.amount.errors = []  # only read for an approval (as DecisionForm)
            valid = not any(field.errors for field in self)
        return valid


class WithdrawDecisionForm(FlaskForm):
    reason = TextAreaField(_l("撤回理由"), validators=[
        DataRequired(_l("请填写更改或撤回决定的理由。")), Length(max=2000)],
        description=_l("记入操作日志，申报团队看不到。"))


class PublishForm(FlaskForm):
    starts_on = DateField(_l("公示开始日期"), validators=[Optional(), DateInRange()])


class ObjectionForm(FlaskForm):
    application_id = SelectField(_l("异议针对的项目"), coerce=int)
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")),
                                             Length(max=60)])
    contact = StringField(_l("联系方式"), validators=[DataRequired(_l("请填写联系方式。")),
                                                  Length(max=120)],
                          description=_l("电话或邮箱，仅用于答复，不会公开。"))
    text = TextAreaField(_l("异议内容"), validators=[
        DataRequired(_l("请写明异议的具体内容（至少 10 个字）。")), Length(min=10, max=5000)])


class AnswerForm(FlaskForm):
    """The answer to an objection: no outcome chosen at first (a slip must not answer one
    way by default), and the reply."""

    outcome = SelectField(_l("答复结果"), validators=[DataRequired(_l("请选择答复结果。"))])
    reply = TextAreaField(_l("答复"), validators=[DataRequired(_l("请填写答复内容。")),
                                                Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [SelectChoice("", _l("请选择")),
                                SelectChoice("dismiss", _l("异议不成立")),
                                SelectChoice("uphold", _l("异议成立，撤销立项"))]
