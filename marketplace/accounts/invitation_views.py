"""The invitee's page: the link in an invitation mail (accounts/invitations.py).

Opening the link changes nothing (mail scanners follow links); the form's POST accepts. A
person without an account sets a name and a password and agrees to the privacy policy and
terms; a person with an account signs in as it and accepts with one button."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts import invitations, sitepages
from marketplace.accounts.forms import AcceptAsSignedInForm, AcceptInvitationForm
from marketplace.accounts.services import current_locale_name, find_user_by_email
from marketplace.accounts.views import bp
from marketplace.core.actions import attempt, form_status, perform
from marketplace.extensions import limiter


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def accept_invitation(token: str):
    found = attempt(lambda: invitations.invitation_for_token(token))
    if not found:
        return render_template("accounts/invitation_invalid.html",
                               reason=found.refusal.reason), 404
    invitation = found.value
    has_account = find_user_by_email(invitation.email) is not None
    signed_in = current_user.is_authenticated
    if signed_in or has_account:
        form = AcceptAsSignedInForm()
        # The service refuses another account than the invited one, with the reason.
        if signed_in and form.validate_on_submit() and perform(
                lambda: invitations.accept_as_signed_in(current_user._get_current_object(),
                                                        token),
                _("已接受邀请，你的账号获得了新的角色。")):
            return redirect(url_for("public.home"))
        return render_template("accounts/invitation_existing.html", invitation=invitation,
                               form=form, own=signed_in and current_user.email ==
                               invitation.email, login_url=url_for(
                                   "accounts.login", next=request.path)), form_status()
    form = AcceptInvitationForm()
    if form.validate_on_submit() and perform(
            lambda: invitations.accept_as_new_account(
                token, form.name.data, form.password.data, agreed=form.agree.data,
                locale=current_locale_name()),
            _("账号已开通，请登录。"), form):
        return redirect(url_for("accounts.login"))
    return render_template("accounts/invitation_accept.html", invitation=invitation, form=form,
                           pages=[sitepages.current_page(s) for s in sitepages.SLUGS]
                           ), form_status()

