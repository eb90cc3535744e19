from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    ValidationError,
)

from marketplace.accounts.emails import normalise_email
from marketplace.accounts.models import Role
from marketplace.core.forms import CountField, DateInRange

ROLE_LABELS = {
    Role.ORGANIZER: _l("组织方（团市委）"),
    Role.REVIEWER: _l("评审专家"),
    Role.FINANCE: _l("财务"),
    Role.ADMIN: _l("系统管理员"),
}


class RoleForm(FlaskForm):
    role = SelectField(_l("角色"), choices=[SelectChoice(r.value, label)
                                           for r, label in ROLE_LABELS.items()])


class AuditFilterForm(FlaskForm):
    """Filters chosen from lists: the person, the action, the kind of object (and its id, which
    a row's object link fills in), and dates. The choices are set per request by the view."""

    class Meta:
        csrf = False  # a GET filter changes nothing

    actor = SelectField(_l("操作人"), validate_choice=False)
    action = SelectField(_l("操作"), validate_choice=False)
    object_type = SelectField(_l("对象类型"), validate_choice=False)
    object_id = CountField(_l("对象编号"), validators=[Optional()], minimum=1)
    date_from = DateField(_l("起始日期"), validators=[Optional(), DateInRange()])
    date_to = DateField(_l("截止日期"), validators=[Optional(), DateInRange()])


class RoleCheckboxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class InviteForm(FlaskForm):
    email = EmailField(_l("邮箱"), filters=[normalise_email], validators=[
        DataRequired(_l("请填写邮箱。")),
        Email(_l("邮箱格式不正确。"), check_deliverability=False), Length(max=254)])
    # Not DataRequired: its `required` attribute on every checkbox would ask for all of them.
    roles = RoleCheckboxes(_l("角色"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request, so the labels are in the page's language.
        self.roles.choices = [SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()]

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_l("请至少选择一个角色。"))
