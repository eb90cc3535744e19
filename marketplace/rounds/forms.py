"""Round, pool, challenge, preference and 派单 forms. Typed values are parsed here (yuan,
Shanghai wall-clock times); the rules themselves live in services.py."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
)

from marketplace.core.forms import CountField, DateInRange, MoneyField, OneOfChoices
from marketplace.core.timeutil import local_to_utc, to_local
from marketplace.extensions import db
from marketplace.organisations.models import ORGANISATION_TYPE_LABELS
from marketplace.rounds.challenges import ChallengeData
from marketplace.rounds.models import (
    BUDGET_CATEGORY_LABELS,
    DEFAULT_CATEGORIES,
    BudgetCategory,
    Department,
    PoolKind,
    Round,
)
from marketplace.rounds.services import TRANCHE_GATE_LABELS, RoundData, default_tranche_template

TRANCHE_ROWS = 5


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # Unknown values are refused by the service with a clear message.
        pass


def _local(value: datetime | None) -> datetime | None:
    local = to_local(value)
    return local.replace(tzinfo=None) if local else None


def _utc(value: datetime | None) -> datetime | None:
    return local_to_utc(value) if value else None


class TrancheRowForm(Form):
    label = StringField(_l("名称"), validators=[Optional(), Length(max=60)])
    percent = CountField(_l("比例 %"), validators=[Optional()], minimum=1, maximum=100)
    gate = SelectField(_l("拨付条件"), choices=[SelectChoice(g.value, label)
                                            for g, label in TRANCHE_GATE_LABELS.items()])


class RoundForm(FlaskForm):
    year = CountField(_l("年度"), validators=[InputRequired(_l("请填写年度。"))],
                      minimum=2000, maximum=2100)
    title = StringField(_l("名称"), validators=[DataRequired(_l("请填写名称。")),
                                              Length(max=200)])
    introduction = TextAreaField(
        _l("介绍"), validators=[Optional(), Length(max=20000)],
        description=_l("使用 Markdown 格式：空一行分段，**加粗**，*斜体*，“- ”开头为列表，"
                       "“## ”开头为小标题，[文字](https://…) 为链接。可点“预览”查看效果。"))
    total_budget = MoneyField(_l("总预算（元）"), validators=[DataRequired(_l("请填写总预算。"))])
    opens_at = DateTimeLocalField(_l("申报开始时间"), validators=[Optional(), DateInRange()],
                                  format="%Y-%m-%dT%H:%M",
                                  description=_l("北京时间。"))
    deadline_at = DateTimeLocalField(_l("申报截止时间"), validators=[Optional(), DateInRange()],
                                     format="%Y-%m-%dT%H:%M", description=_l("北京时间。"))
    review_ends_at = DateTimeLocalField(_l("评审结束时间"),
                                        validators=[Optional(), DateInRange()],
                                        format="%Y-%m-%dT%H:%M")
    publicity_days = CountField(_l("公示天数"), default=7,
                                validators=[InputRequired(_l("请填写公示天数。"))],
                                minimum=1, maximum=60)
    delivery_ends_at = DateTimeLocalField(_l("项目实施结束时间"),
                                          validators=[Optional(), DateInRange()],
                                          format="%Y-%m-%dT%H:%M")
    categories = TextAreaField(_l("征集类别"), default="\n".join(DEFAULT_CATEGORIES),
                               description=_l("每行一个。"))
    themes = TextAreaField(_l("主题"), description=_l(
        "每行一个，如“文明创建”。主题跨类别：一个项目属于一个类别，可以带任意几个主题。"
        "可以不填。"))
    max_amount_per_project = MoneyField(_l("单个项目资助上限（元）"), validators=[Optional()])
    max_applications_per_org = CountField(_l("每个组织最多申报数"), validators=[Optional()],
                                          minimum=1, maximum=100)
    tranches = FieldList(FormField(TrancheRowForm), min_entries=TRANCHE_ROWS,
                         max_entries=TRANCHE_ROWS)
    document_number = StringField(_l("公示文号"), validators=[Optional(), Length(max=100)],
                                  description=_l("印在公示上，如“团舟委〔2026〕12号”；可以稍后再填。"))
    supervision_phone = StringField(_l("监督电话"), validators=[Optional(), Length(max=40)],
                                    description=_l("印在公示上，供公众反映问题。"))

    def __init__(self, *args, round_: Round | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if round_ is not None and not self.is_submitted():
            self._fill(round_)
        elif not self.is_submitted():
            self._fill_tranches(default_tranche_template())

    def _fill(self, round_: Round) -> None:
        self.year.data = round_.year
        self.title.data = round_.title
        self.introduction.data = round_.introduction
        self.total_budget.set_amount(round_.total_budget)
        for name in ("opens_at", "deadline_at", "review_ends_at", "delivery_ends_at"):
            getattr(self, name).data = _local(getattr(round_, name))
        self.publicity_days.data = round_.publicity_days
        self.categories.data = "\n".join(round_.categories or [])
        self.themes.data = "\n".join(round_.themes or [])
        self.max_amount_per_project.set_amount(round_.max_amount_per_project)
        self.max_applications_per_org.data = round_.max_applications_per_org
        for category in BudgetCategory:
            getattr(self, f"rule_{category.value}").data = (round_.budget_rules or {}).get(
                category.value)
        self._fill_tranches(round_.tranche_template or [])
        self.document_number.data = round_.document_number
        self.supervision_phone.data = round_.supervision_phone

    def _fill_tranches(self, rows: list[dict]) -> None:
        for entry, row in zip(self.tranches.entries, rows, strict=False):
            entry.form.label.data = row["label"]
            entry.form.percent.data = row["percent"]
            entry.form.gate.data = row["gate"]

    def rule_fields(self):
        return [getattr(self, f"rule_{c.value}") for c in BudgetCategory]

    def tranche_rows(self) -> list[dict]:
        rows = []
        for entry in self.tranches.entries:
            form = entry.form
            if not (form.label.data or "").strip() and form.percent.data is None:
                continue
            rows.append({"label": (form.label.data or "").strip(), "percent": form.percent.data,
                         "gate": form.gate.data})
        return rows

    def to_data(self) -> RoundData:
        categories = [c.strip() for c in (self.categories.data or "").splitlines() if c.strip()]
        rules = {c.value: getattr(self, f"rule_{c.value}").data for c in BudgetCategory
                 if getattr(self, f"rule_{c.value}").data is not None}
        return RoundData(
            year=self.year.data, title=self.title.data or "",
            introduction=self.introduction.data or "",
            total_budget=self.total_budget.amount or Decimal("0.00"),
            opens_at=_utc(self.opens_at.data), deadline_at=_utc(self.deadline_at.data),
            review_ends_at=_utc(self.review_ends_at.data),
            publicity_days=self.publicity_days.data,
            delivery_ends_at=_utc(self.delivery_ends_at.data), categories=categories,
            themes=[t.strip() for t in (self.themes.data or "").splitlines() if t.strip()],
            max_amount_per_project=self.max_amount_per_project.amount,
            max_applications_per_org=self.max_applications_per_org.data,
            budget_rules=rules, tranche_template=self.tranche_rows(),
            document_number=self.document_number.data or "",
            supervision_phone=self.supervision_phone.data or "")

    def show_problems(self, problems: dict[str, str]) -> None:
        """Put each service-side problem next to its field (tranches/budget rules on top)."""
        for name, message in problems.items():
            target = getattr(self, name, None)
            if isinstance(target, FieldList):
                self.tranche_errors.append(message)
            elif name == "budget_rules":
                self.rule_errors.append(message)
            elif target is not None:
                target.errors = [*target.errors, message]

    @property
    def tranche_errors(self) -> list[str]:
        if not hasattr(self, "_tranche_errors"):
            self._tranche_errors: list[str] = []
        return self._tranche_errors

    @property
    def rule_errors(self) -> list[str]:
        if not hasattr(self, "_rule_errors"):
            self._rule_errors: list[str] = []
        return self._rule_errors


for _category in BudgetCategory:  # 人员费 ≤ 30% etc.: one optional field per category
    setattr(RoundForm, f"rule_{_category.value}", CountField(
        _l("%(category)s占比上限 %%", category=BUDGET_CATEGORY_LABELS[_category]),
        validators=[Optional()], minimum=1, maximum=100,
        message=_l("应为 1 到 100 之间的整数。")))


class PoolForm(FlaskForm):
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写资金池名称。")),
                                             Length(max=120)])
    kind = SelectField(_l("类型"), choices=[
        SelectChoice(PoolKind.GENERAL.value, _l("综合资金池")),
        SelectChoice(PoolKind.TARGETED.value, _l("定向扶持资金池（限定县区）"))])
    amount = MoneyField(_l("金额（元）"), validators=[DataRequired(_l("请填写金额。"))])
    regions = MultiCheckboxField(_l("限定县区"), description=_l("仅定向扶持资金池需要。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.regions.choices = [SelectChoice(r) for r in current_app.config["REGIONS"]]


class ChallengeForm(FlaskForm):
    title = StringField(_l("命题名称"), validators=[DataRequired(_l("请填写命题名称。")),
                                                Length(max=200)])
    background = TextAreaField(_l("命题背景"), validators=[Optional(), Length(max=5000)])
    expected_outcomes = TextAreaField(_l("预期成效"), validators=[Optional(), Length(max=5000)])
    indicators = TextAreaField(_l("考核指标"), validators=[Optional(), Length(max=5000)])
    cap_per_team = MoneyField(_l("每队资助上限（元）"),
                              validators=[DataRequired(_l("请填写每队资助上限。"))])
    slots = CountField(_l("揭榜队伍数"), default=1,
                       validators=[InputRequired(_l("请填写揭榜队伍数。"))], minimum=1, maximum=100)
    department_id = SelectField(_l("命题方"), default="",
                                validators=[OneOfChoices(_l("请选择命题方。"))])
    pool_id = SelectField(_l("资金池"), validators=[OneOfChoices(_l("请选择资金池。"))])
    pool_amount = MoneyField(_l("新资金池金额（元）"), validators=[Optional()],
                             description=_l("不填则为 每队上限 × 队伍数。"))
    eligible_regions = MultiCheckboxField(_l("限定县区"), description=_l("不选表示不限。"))
    eligible_org_types = MultiCheckboxField(_l("限定组织类型"), description=_l("不选表示不限。"))

    def __init__(self, *args, round_: Round, allow_new_pool: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [SelectChoice("new", _l("为本命题新建资金池"))] if allow_new_pool else []
        if not allow_new_pool:
            del self.pool_amount  # not on the page: a typed value could only hide an error
        choices += [SelectChoice(str(p.id), _l("%(name)s（%(kind)s）", name=p.name,
                                                kind=p.kind.label)) for p in round_.pools]
        self.pool_id.choices = choices
        self.department_id.choices = [SelectChoice("", _l("无（团市委命题）"))] + [
            SelectChoice(str(d.id), d.name) for d in db.session.scalars(
                select(Department).order_by(Department.name))]
        self.eligible_regions.choices = [SelectChoice(r) for r in current_app.config["REGIONS"]]
        self.eligible_org_types.choices = [SelectChoice(t.value, label)
                                           for t, label in ORGANISATION_TYPE_LABELS.items()]

    def to_data(self) -> ChallengeData:
        pool_id = None if self.pool_id.data in (None, "", "new") else int(self.pool_id.data)
        return ChallengeData(
            title=self.title.data or "", background=self.background.data or "",
            expected_outcomes=self.expected_outcomes.data or "",
            indicators=self.indicators.data or "", cap_per_team=self.cap_per_team.amount,
            slots=self.slots.data, pool_id=pool_id,
            pool_amount=self.pool_amount.amount if "pool_amount" in self else None,
            eligible_regions=list(self.eligible_regions.data or []),
            eligible_org_types=list(self.eligible_org_types.data or []),
            department_id=int(self.department_id.data) if self.department_id.data else None)


class PreferenceForm(FlaskForm):
    categories = MultiCheckboxField(_l("关注的项目类别"), description=_l("不选表示全部类别。"))
    regions = MultiCheckboxField(_l("关注的县区"),
                                 description=_l("不选表示全部县区；限定县区的命题按此匹配。"))

    def __init__(self, *args, categories: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.categories.choices = [SelectChoice(c) for c in categories]
        self.regions.choices = [SelectChoice(r) for r in current_app.config["REGIONS"]]


class InviteForm(FlaskForm):
    organisations = MultiCheckboxField(_l("邀请的组织"))
    message = TextAreaField(_l("附言"), validators=[Optional(), Length(max=1000)])


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("婉拒的理由"), validators=[
        DataRequired(_l("请填写婉拒的理由。")), Length(max=2000)])


class ExtendDeadlineForm(FlaskForm):
    deadline_at = DateTimeLocalField(
        _l("新的申报截止时间"), format="%Y-%m-%dT%H:%M", description=_l("北京时间。"),
        validators=[InputRequired(_l("请填写新的申报截止时间。"))])
    reason = TextAreaField(
        _l("延长的理由"), validators=[DataRequired(_l("请填写延长的理由。")), Length(max=2000)],
        description=_l("会以邮件发给本轮还有草稿或退回修改申报书的组织。"))

    def new_deadline(self) -> datetime | None:
        return _utc(self.deadline_at.data)


class PublicityDetailsForm(FlaskForm):
    document_number = StringField(_l("公示文号"), validators=[Optional(), Length(max=100)],
                                  description=_l("印在公示上，如“团舟委〔2026〕12号”。"))
    supervision_phone = StringField(_l("监督电话"), validators=[Optional(), Length(max=40)],
                                    description=_l("印在公示上，供公众反映问题。"))


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ChallengeDraftForm(FlaskForm):
    """What a department contact proposes: the theme and its size; the pool, the regions and
    the publishing are the organizer's."""

    department_id = SelectField(_l("命题部门"),
                                validators=[OneOfChoices(_l("请选择命题部门。"))])
    round_id = SelectField(_l("创投集市"), validators=[OneOfChoices(_l("请选择创投集市。"))])
    title = StringField(_l("命题名称"), validators=[DataRequired(_l("请填写命题名称。")),
                                                Length(max=200)])
    background = TextAreaField(_l("命题背景"), validators=[Optional(), Length(max=5000)])
    expected_outcomes = TextAreaField(_l("预期成效"), validators=[Optional(), Length(max=5000)])
    indicators = TextAreaField(_l("考核指标"), validators=[Optional(), Length(max=5000)])
    cap_per_team = MoneyField(_l("每队资助上限（元）"),
                              validators=[DataRequired(_l("请填写每队资助上限。"))])
    slots = CountField(_l("揭榜队伍数"), default=1,
                       validators=[InputRequired(_l("请填写揭榜队伍数。"))], minimum=1, maximum=100)

    def __init__(self, *args, departments, rounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.department_id.choices = [SelectChoice(str(d.id), d.name) for d in departments]
        self.round_id.choices = [SelectChoice(str(r.id), r.title) for r in rounds]


class DepartmentForm(FlaskForm):
    name = StringField(_l("部门名称"), validators=[DataRequired(_l("请填写部门名称。")),
                                               Length(max=120)])


class DepartmentContactForm(FlaskForm):
    email = StringField(_l("联系人邮箱"), validators=[DataRequired(_l("请填写联系人邮箱。")),
                                                 Length(max=254)])
