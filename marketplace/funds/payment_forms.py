"""Forms of releases, payments and returns. A payment or return form carries its idempotency
key (hidden, one per rendering): submitted twice, it makes one payment."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from marketplace.core.forms import DateInRange, MoneyField


def optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MoneyActionForm(FlaskForm):
    """A button that posts (CSRF only)."""


class PaymentForm(FlaskForm):
    idempotency_key = HiddenField()
    amount = MoneyField(_l("拨付金额（元）"), validators=[Optional()],
                        message=_l("请填写金额（元），最多两位小数。"))
    paid_on = DateField(_l("拨付日期"), validators=[Optional(), DateInRange()])
    voucher_number = StringField(_l("凭证号"), validators=[Optional(), Length(max=64)])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=500)])
    scan = FileField(_l("凭证扫描件（PDF、JPG、PNG，不超过 10 MB）"))


class ReturnForm(FlaskForm):
    idempotency_key = HiddenField()
    return_request_id = SelectField(_l("对应的待退回"), coerce=optional_int,
                                    validate_choice=False)
    amount = MoneyField(_l("退回金额（元）"), validators=[Optional()],
                        message=_l("请填写金额（元），最多两位小数。"))
    received_on = DateField(_l("收到日期"), validators=[Optional(), DateInRange()])
    reason = TextAreaField(_l("退回理由"), validators=[Optional(), Length(max=2000)])


class ReturnRequestForm(FlaskForm):
    amount = MoneyField(_l("要求退回的金额（元）"), validators=[Optional()],
                        message=_l("请填写金额（元），最多两位小数。"))
    reason = TextAreaField(_l("理由"), validators=[Optional(), Length(max=2000)])


class CutForm(FlaskForm):
    reason = TextAreaField(_l("核减或终止的理由"), validators=[Optional(), Length(max=2000)])
