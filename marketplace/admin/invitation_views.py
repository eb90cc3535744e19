"""The admin's invitations page: invite people by e-mail with a role, see where each
invitation stands, send it again or revoke it (accounts/invitations.py does the work)."""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.accounts import invitations as invitation_services
from marketplace.accounts import policy as account_policy
from marketplace.accounts.models import Role, RoleInvitation
from marketplace.admin.forms import InviteForm
from marketplace.admin.views import PER_PAGE, bp
from marketplace.core import nav
from marketplace.core.actions import form_status, perform
from marketplace.core.policy import visible_or_404
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.organisations.forms import ActionForm

nav.register("admin", _l("邀请用户"), "admin.invitations", visible=account_policy.can_invite,
             order=25)


def _invitation_or_404(invitation_id: int) -> RoleInvitation:
    invitation = db.session.get(RoleInvitation, invitation_id)
    visible_or_404(invitation is not None)
    return invitation


@bp.route("/invitations", methods=["GET", "POST"])
@login_required
def invitations():
    visible_or_404(account_policy.can_invite(current_user))
    form = InviteForm()
    if form.validate_on_submit() and perform(
            lambda: invitation_services.invite(current_user, form.email.data, _roles(form)),
            lambda made: _("已向 %(email)s 发送邀请。", email=made.email), form):
        return redirect(url_for(".invitations"))
    return _page(form), form_status()


def _roles(form: InviteForm) -> list[Role]:
    known = {r.value for r in Role}
    return [Role(r) for r in form.roles.data or [] if r in known]


def _page(form: InviteForm):
    stmt = (select(RoleInvitation)
            .options(selectinload(RoleInvitation.invited_by),
                     selectinload(RoleInvitation.accepted_by))
            .order_by(RoleInvitation.created_at.desc(), RoleInvitation.id.desc()))
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template("admin/invitations.html", form=form, page=page, now=utcnow(),
                           action_form=ActionForm())


@bp.route("/invitations/<int:invitation_id>/resend", methods=["POST"])
@login_required
def resend_invitation(invitation_id: int):
    visible_or_404(account_policy.can_invite(current_user))
    invitation = _invitation_or_404(invitation_id)
    if ActionForm().validate_on_submit():
        perform(lambda: invitation_services.resend(current_user, invitation),
                _("已重新发送邀请，之前的链接已失效。"))
    return redirect(url_for(".invitations"))


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
def revoke_invitation(invitation_id: int):
    visible_or_404(account_policy.can_invite(current_user))
    invitation = _invitation_or_404(invitation_id)
    if ActionForm().validate_on_submit():
        perform(lambda: invitation_services.revoke(current_user, invitation), _("邀请已撤销。"))
    return redirect(url_for(".invitations"))
