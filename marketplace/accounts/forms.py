from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from marketplace.accounts.emails import normalise_email
from marketplace.accounts.passwords import MIN_LENGTH
from marketplace.accounts.phones import is_mobile


class RegisterForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=80)])
    email = EmailField(_l("邮箱"), filters=[normalise_email], validators=[
        DataRequired(_l("请填写邮箱。")),
        Email(_l("邮箱格式不正确。"), check_deliverability=False), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请设置密码。"))],
                             description=_l("至少 %(n)d 个字符，不要用常见密码。", n=MIN_LENGTH))
    password2 = PasswordField(_l("再次输入密码"), validators=[
        DataRequired(_l("请再次输入密码。")), EqualTo("password", _l("两次输入的密码不一致。"))])
    mobile = StringField(_l("手机号码（可不填）"), validators=[Optional(), Length(max=20)],
                         description=_l("11 位中国大陆手机号码，便于团市委联系；"
                                        "其他用户只能看到部分数字。"))
    agree = BooleanField(_l("我已阅读并同意隐私政策和用户协议"),
                         validators=[DataRequired(_l("请阅读并同意隐私政策和用户协议。"))])

    def validate_mobile(self, field):
        if field.data and not is_mobile(field.data):
            raise ValidationError(_l("请填写 11 位中国大陆手机号码，或留空。"))


class LoginForm(FlaskForm):
    email = EmailField(_l("邮箱"), filters=[normalise_email],
                       validators=[DataRequired(_l("请填写邮箱。")), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码。"))])
    remember = BooleanField(_l("在这台设备上保持登录"))
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("邮箱"), filters=[normalise_email], validators=[
        DataRequired(_l("请填写邮箱。")),
        Email(_l("邮箱格式不正确。"), check_deliverability=False)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请设置密码。"))],
                             description=_l("至少 %(n)d 个字符，不要用常见密码。", n=MIN_LENGTH))
    password2 = PasswordField(_l("再次输入新密码"), validators=[
        DataRequired(_l("请再次输入密码。")), EqualTo("password", _l("两次输入的密码不一致。"))])


class ResendConfirmationForm(FlaskForm):
    pass


class LogoutForm(FlaskForm):
    pass


class LanguageForm(FlaskForm):
    locale = SelectField(choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")])
    next = HiddenField()


class ConfirmEmailForm(FlaskForm):
    pass


class SitePageForm(FlaskForm):
    title = StringField(_l("标题"), validators=[DataRequired(_l("请填写标题。")), Length(max=100)])
    body = TextAreaField(_l("正文"), validators=[DataRequired(_l("请填写正文。"))],
                         description=_l("Markdown 格式：空一行分段，“## ”开头为小标题，"
                                        "“- ”开头为列表。保存后成为新的版本，"
                                        "此后注册的用户同意的是新版本。"))


class AcceptInvitationForm(FlaskForm):
    """The invitee without an account: a name, a password and consent, as at registration
    (the address is the invited one)."""

    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=80)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请设置密码。"))],
                             description=_l("至少 %(n)d 个字符，不要用常见密码。", n=MIN_LENGTH))
    password2 = PasswordField(_l("再次输入密码"), validators=[
        DataRequired(_l("请再次输入密码。")), EqualTo("password", _l("两次输入的密码不一致。"))])
    agree = BooleanField(_l("我已阅读并同意隐私政策和用户协议"),
                         validators=[DataRequired(_l("请阅读并同意隐私政策和用户协议。"))])


class AcceptAsSignedInForm(FlaskForm):
    pass
