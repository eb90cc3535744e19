from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.accounts import policy as account_policy
from marketplace.accounts import services, sitepages
from marketplace.accounts.emails import normalise_email
from marketplace.accounts.forms import (
    ConfirmEmailForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    LogoutForm,
    RegisterForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    SitePageForm,
)
from marketplace.accounts.locale import LOCALE_COOKIE
from marketplace.accounts.phones import mask_mobile
from marketplace.core import nav
from marketplace.core.actions import form_status, perform
from marketplace.core.markdown import render_markdown
from marketplace.core.policy import visible_or_404
from marketplace.core.urls import safe_next
from marketplace.extensions import limiter

bp = Blueprint("accounts", __name__)


def _account_and_ip() -> str:
    """Per-account limit keyed with the address: a stranger elsewhere cannot lock the owner out."""
    return f"{normalise_email(request.form.get('email', ''))}|{get_remote_address()}"


def _failed(response) -> bool:
    return response.status_code != 302  # success redirects; a failure re-shows the form


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        registered = perform(lambda: services.register(
            form.email.data, form.password.data, form.name.data, agreed=form.agree.data,
            mobile=form.mobile.data or ""), None, form)
        if registered:
            return render_template("accounts/check_email.html", email=registered.value.email)
    return render_template("accounts/register.html", form=form,
                           pages=[sitepages.current_page(s) for s in sitepages.SLUGS]
                           ), form_status()


# --- the privacy policy and terms ---------------------------------------------------------

@bp.route("/privacy")
def privacy():
    return _site_page("privacy")


@bp.route("/terms")
def terms():
    return _site_page("terms")


def _site_page(slug: str):
    page = sitepages.current_page(slug)
    return render_template("accounts/site_page.html", page=page,
                           can_edit=account_policy.can_edit_site_pages(current_user))


@bp.route("/admin/pages/<slug>", methods=["GET", "POST"])
@login_required
def edit_site_page(slug: str):
    visible_or_404(account_policy.can_edit_site_pages(current_user))
    if slug not in sitepages.SLUGS:
        abort(404)
    page = sitepages.current_page(slug)
    form = SitePageForm(data={"title": page.title, "body": page.body}
                        if request.method == "GET" else None)
    preview = request.method == "POST" and request.form.get("action") == "preview"
    if not preview and form.validate_on_submit() and perform(
            lambda: sitepages.publish_page(current_user, slug, form.title.data,
                                           form.body.data),
            lambda saved: _("已保存为第 %(n)d 版。", n=saved.version), form):
        return redirect(url_for(f".{slug}"))
    return render_template("accounts/site_page_form.html", form=form, page=page,
                           preview=render_markdown(form.body.data) if preview else None
                           ), 200 if preview else form_status()


@bp.app_template_global("mobile_of")
def mobile_of(user) -> str:
    """A user's mobile number as the current user may see it: in full for its owner and
    admins, masked (138****8000) for everyone else."""
    if not user.mobile:
        return ""
    if account_policy.sees_full_mobile(current_user, user):
        return user.mobile
    return mask_mobile(user.mobile)


nav.register("admin", _l("隐私政策与用户协议"), "accounts.privacy",
             visible=account_policy.can_edit_site_pages, order=50)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The link in the confirmation mail shows a button; only pressing it (a POST) confirms,
    so a mail scanner or a link preview that follows the link confirms nothing."""
    form = ConfirmEmailForm()
    if not form.validate_on_submit():
        return render_template("accounts/confirm_email.html", form=form), form_status()
    perform(lambda: services.confirm_email(token), _("邮箱已确认，请登录。"))
    return redirect(url_for("accounts.login"))


@bp.route("/confirm/resend", methods=["POST"])
@limiter.limit("5 per hour")
def resend_confirmation():
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(request.form.get("email", ""))
        if user and not user.is_confirmed:
            services.send_confirmation(user)
    flash(_("如果该邮箱已注册且尚未确认，我们已重新发送确认邮件。"), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"], deduct_when=_failed)
@limiter.limit("5 per minute;20 per hour", methods=["POST"], key_func=_account_and_ip,
               deduct_when=_failed)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    unconfirmed_email = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("邮箱或密码不正确。"))
        elif not user.is_active:
            form.email.errors.append(_("该账号已停用，请联系系统管理员。"))
        elif not user.is_confirmed:
            form.email.errors.append(_("请先点击确认邮件中的链接，完成邮箱确认。"))
            unconfirmed_email = user.email
        else:
            session.clear()  # a fresh session: nothing planted before login survives it
            login_user(user, remember=form.remember.data)
            services.record_login(user)
            # A language chosen just before logging in is the one the person wants now.
            chosen = request.cookies.get(LOCALE_COOKIE)
            if chosen in current_app.config["LANGUAGES"]:
                services.set_locale(user, chosen)
            response = redirect(safe_next(form.next.data, url_for("public.home")))
            response.set_cookie(LOCALE_COOKIE, user.locale, max_age=60 * 60 * 24 * 365,
                                samesite="Lax", httponly=True,
                                secure=current_app.config["SESSION_COOKIE_SECURE"])
            return response
    return render_template("accounts/login.html", form=form, unconfirmed_email=unconfirmed_email,
                           resend_form=ResendConfirmationForm()), form_status()


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if LogoutForm().validate_on_submit():
        services.logout(current_user._get_current_object())
        logout_user()
        session.clear()
        flash(_("已退出登录。"), "info")
    return redirect(url_for("public.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same answer whether or not the address is registered.
        flash(_("如果该邮箱已注册，重置密码的链接已发送，请查收。"), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form), form_status()


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        reset = perform(lambda: services.reset_password(token, form.password.data),
                        _("密码已重置，请用新密码登录。"), form)
        if reset:
            return redirect(url_for("accounts.login"))
        if not reset.refusal.field:  # the link itself is bad: ask for a new one
            return redirect(url_for("accounts.forgot_password"))
    return render_template("accounts/reset_password.html", form=form), form_status()


@bp.route("/language", methods=["POST"])
def set_language():
    """The language switch of a signed-in user (a form: following a link changes nothing in
    the database): the account's language, which its mail uses, and the cookie."""
    form = LanguageForm()
    if not form.validate_on_submit() or form.locale.data not in current_app.config["LANGUAGES"]:
        abort(400)
    if current_user.is_authenticated:
        services.set_locale(current_user._get_current_object(), form.locale.data)
    return _language_cookie(form.locale.data, form.next.data)


@bp.route("/language/<code>")
def language_cookie(code: str):
    """The language switch of a visitor: a link that sets only the cookie. Nothing is stored
    on the server and no session is started, so public pages stay cookie-free until the
    visitor does something that needs one."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    return _language_cookie(code, request.args.get("next"))


def _language_cookie(code: str, next_url: str | None):
    response = redirect(safe_next(next_url, url_for("public.home")))
    response.set_cookie(LOCALE_COOKIE, code, max_age=60 * 60 * 24 * 365, samesite="Lax",
                        httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
