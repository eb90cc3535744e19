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
)
from wtforms.validators import DataRequired, Email, EqualTo, Length

from marketplace.accounts.emails import normalise_email
from marketplace.accounts.passwords import MIN_LENGTH


class RegisterForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=80)])
    email = EmailField(_l("邮箱"), filters=[normalise_email], validators=[
        DataRequired(_l("请填写邮箱。")),
        Email(_l("邮箱格式不正确。"), check_deliverability=False), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请设置密码。"))],
                             description=_l("至少 %(n)d 个字符，不要用常见密码。", n=MIN_LENGTH))
    password2 = PasswordField(_l("再次输入密码"), validators=[
        DataRequired(_l("请再次输入密码。")), EqualTo("password", _l("两次输入的密码不一致。"))])


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
