from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from marketplace.accounts.emails import normalise_email
from marketplace.organisations.models import ORGANISATION_TYPE_LABELS, OrganisationType
from marketplace.organisations.services import MOBILE, OrganisationData, uscc_message
from marketplace.organisations.uscc import normalise_uscc


class OrganisationForm(FlaskForm):
    name = StringField(_l("组织名称"), validators=[DataRequired(_l("请填写组织名称。")),
                                               Length(max=120)])
    org_type = SelectField(_l("组织类型"), choices=[
        SelectChoice(t.value, label) for t, label in ORGANISATION_TYPE_LABELS.items()])
    uscc = StringField(_l("统一社会信用代码"),
                       validators=[DataRequired(_l("请填写统一社会信用代码。"))],
                       description=_l("18 位，见登记证书；高校团队可填所在学校的代码。"))
    region = SelectField(_l("所在县区"))
    contact_name = StringField(_l("联系人"), validators=[DataRequired(_l("请填写联系人。")),
                                                      Length(max=60)])
    contact_phone = StringField(_l("联系电话"),
                                validators=[DataRequired(_l("请填写联系电话。"))],
                                description=_l("中国大陆手机号码，11 位。"))
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    introduction = TextAreaField(_l("组织简介"), validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region.choices = [SelectChoice(r) for r in current_app.config["REGIONS"]]

    def validate_uscc(self, field):
        message = uscc_message(normalise_uscc(field.data or ""))
        if message:
            raise ValidationError(message)

    def validate_contact_phone(self, field):
        if not MOBILE.match((field.data or "").replace(" ", "").replace("-", "")):
            raise ValidationError(_l("请填写 11 位中国大陆手机号码。"))

    def to_data(self) -> OrganisationData:
        return OrganisationData(
            name=self.name.data, org_type=OrganisationType(self.org_type.data),
            uscc=self.uscc.data, region=self.region.data, contact_name=self.contact_name.data,
            contact_phone=self.contact_phone.data, address=self.address.data or "",
            introduction=self.introduction.data or "")


class InviteForm(FlaskForm):
    email = EmailField(_l("成员邮箱"), filters=[normalise_email], validators=[
        DataRequired(_l("请填写邮箱。")),
        Email(_l("邮箱格式不正确。"), check_deliverability=False)])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("不通过的理由"), validators=[
        DataRequired(_l("请填写不通过的理由，组织会收到这条说明。")), Length(max=2000)])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
