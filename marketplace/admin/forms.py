from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional

from marketplace.accounts.models import Role
from marketplace.core.forms import DateInRange

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
    class Meta:
        csrf = False  # a GET filter changes nothing

    actor = StringField(_l("操作人邮箱"), validators=[Optional()])
    action = StringField(_l("操作"), validators=[Optional()])
    object_type = StringField(_l("对象类型"), validators=[Optional()])
    date_from = DateField(_l("起始日期"), validators=[Optional(), DateInRange()])
    date_to = DateField(_l("截止日期"), validators=[Optional(), DateInRange()])
