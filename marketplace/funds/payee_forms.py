"""Forms of the payee and agreement pages: the organisation's payee account (its own, or its
host unit's), finance's reason for not confirming a change, the round's agreement text, the
group's signature in the app and its stamped scan, the organizer's reason for sending a scan
back."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from marketplace.funds.payees import PayeeData, account_number_message, normalise_account_number
from marketplace.organisations.services import uscc_message
from marketplace.organisations.uscc import normalise_uscc


class PayeeForm(FlaskForm):
    mode = RadioField(_l("收款方式"), default="own")
    host_unit_name = StringField(_l("依托单位名称"), validators=[Optional(), Length(max=120)],
                                 description=_l("没有独立法人资格的团队，经依托单位（社区、学校、团组织等）收款。"))
    host_unit_uscc = StringField(_l("依托单位统一社会信用代码"), validators=[Optional()])
    account_name = StringField(_l("户名"), validators=[DataRequired(_l("请填写户名。")),
                                                     Length(max=120)],
                               description=_l("与银行开户名称一致；经依托单位收款的，填依托单位的户名。"))
    bank = StringField(_l("开户行"), validators=[DataRequired(_l("请填写开户行（银行及支行）。")),
                                              Length(max=120)],
                       description=_l("银行及支行，例如：中国工商银行舟山定海支行"))
    account_number = StringField(_l("银行账号"), validators=[DataRequired(_l("请填写银行账号。"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode.choices = [("own", _l("本组织账户")), ("host_unit", _l("经依托单位收款"))]

    @property
    def via_host_unit(self) -> bool:
        return self.mode.data == "host_unit"

    def validate_host_unit_name(self, field):
        if self.via_host_unit and not (field.data or "").strip():
            raise ValidationError(_l("请填写依托单位名称。"))

    def validate_host_unit_uscc(self, field):
        if self.via_host_unit:
            message = uscc_message(normalise_uscc(field.data or ""))
            if message:
                raise ValidationError(message)

    def validate_account_number(self, field):
        message = account_number_message(normalise_account_number(field.data))
        if message:
            raise ValidationError(message)

    def to_data(self) -> PayeeData:
        return PayeeData(account_name=self.account_name.data or "", bank=self.bank.data or "",
                         account_number=self.account_number.data or "",
                         via_host_unit=self.via_host_unit,
                         host_unit_name=self.host_unit_name.data or "",
                         host_unit_uscc=self.host_unit_uscc.data or "")


class NoteForm(FlaskForm):
    note = TextAreaField(_l("不予确认的理由"), validators=[Optional(), Length(max=500)])


class AgreementTextForm(FlaskForm):
    title = StringField(_l("协议书标题"), validators=[DataRequired(_l("请填写这一项。")),
                                                   Length(max=200)])
    body = TextAreaField(_l("协议书正文"), validators=[DataRequired(_l("请填写这一项。")),
                                                    Length(max=20000)])
    duties = TextAreaField(_l("报告义务"), validators=[Optional(), Length(max=5000)],
                           description=_l("填入正文的 {duties}。"))
    rules_version = StringField(_l("资金管理办法及版本"), validators=[Optional(), Length(max=100)],
                                description=_l("填入正文的 {rules_version}。"))


class SignForm(FlaskForm):
    sha256 = HiddenField()
    signer_name = StringField(_l("签署人姓名"), validators=[
        DataRequired(_l("请填写签署人姓名。")), Length(max=60)],
        description=_l("组织负责人本人的姓名，作为在线签署的签名。"))
    agree = BooleanField(_l("我已阅读协议书全文，代表本组织同意并签署。"), validators=[
        DataRequired(_l("请先阅读协议书，并勾选同意。"))])


class ScanForm(FlaskForm):
    file = FileField(_l("盖章扫描件"), description=_l(
        "打印协议书，签字盖章后扫描或拍照上传：PDF、JPG 或 PNG，不超过 10 MB。"))


class ScanReasonForm(FlaskForm):
    reason = TextAreaField(_l("退回的理由"), validators=[Optional(), Length(max=1000)])


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""
