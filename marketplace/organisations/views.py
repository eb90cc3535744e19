from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from marketplace.accounts import roles
from marketplace.core import nav
from marketplace.core.actions import form_status, perform
from marketplace.core.policy import visible_or_404
from marketplace.extensions import db
from marketplace.organisations import policy, services
from marketplace.organisations.forms import ActionForm, InviteForm, OrganisationForm, RejectForm
from marketplace.organisations.models import (
    Invitation,
    InvitationStatus,
    MemberRole,
    Membership,
    Organisation,
)
from marketplace.organisations.workflow import VERIFICATION

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

# Every signed-in user: it is also where a person without a group registers one.
nav.register("mine", _l("我的组织"), "organisations.index", visible=roles.sees_group_pages,
             order=10)


def _load(org_id: int) -> Organisation:
    organisation = db.session.get(Organisation, org_id)
    visible_or_404(organisation is not None and policy.can_view(current_user, organisation))
    return organisation


@bp.route("/")
@login_required
def index():
    stmt = policy.visible_organisations(current_user).order_by(Organisation.name)
    organisations = db.session.scalars(stmt).all()
    return render_template("organisations/index.html", organisations=organisations)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    form = OrganisationForm()
    if form.validate_on_submit():
        created = perform(lambda: services.create_organisation(current_user, form.to_data()),
                          _("组织已创建，等待团市委审核。审核结果会发到你的邮箱。"), form)
        if created:
            return redirect(url_for(".detail", org_id=created.value.id))
    return render_template("organisations/form.html", form=form, organisation=None), form_status()


@bp.route("/<int:org_id>")
@login_required
def detail(org_id: int):
    return _detail_page(_load(org_id))


def _detail_page(organisation: Organisation, invite_form: InviteForm | None = None,
                 status: int = 200):
    memberships = db.session.scalars(
        select(Membership).where(Membership.organisation_id == organisation.id)
        .options(selectinload(Membership.user))
        # The owner first: roles are stored as text, and "member" sorts before "owner".
        .order_by(case((Membership.role == MemberRole.OWNER, 0), else_=1), Membership.id)).all()
    invitations = db.session.scalars(select(Invitation).where(
        Invitation.organisation_id == organisation.id,
        Invitation.status == InvitationStatus.PENDING)).all()
    return render_template(
        "organisations/detail.html", organisation=organisation, memberships=memberships,
        invitations=invitations, can_edit=policy.can_edit(current_user, organisation),
        can_invite=policy.can_invite(current_user, organisation),
        # The verification buttons, from the lifecycle table: {target status: its move}.
        verification={t.target.value: t for t in
                      VERIFICATION.next_actions(current_user, organisation) if t.endpoint},
        invite_form=invite_form or InviteForm(), action_form=ActionForm(),
        reject_form=RejectForm()), status


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit(org_id: int):
    organisation = _load(org_id)
    visible_or_404(policy.can_edit(current_user, organisation))
    form = OrganisationForm(obj=organisation)
    if request.method == "GET":
        form.org_type.data = organisation.org_type.value
    if form.validate_on_submit() and perform(
            lambda: services.update_organisation(current_user, organisation, form.to_data()),
            _("组织信息已保存。"), form):
        return redirect(url_for(".detail", org_id=org_id))
    return render_template("organisations/form.html", form=form,
                           organisation=organisation), form_status()


@bp.route("/<int:org_id>/invite", methods=["POST"])
@login_required
def invite(org_id: int):
    organisation = _load(org_id)
    visible_or_404(policy.can_manage_members(current_user, organisation))
    form = InviteForm()
    if form.validate_on_submit() and perform(
            lambda: services.invite_member(current_user, organisation, form.email.data),
            _("邀请已发送到 %(email)s。", email=form.email.data), form):
        return redirect(url_for(".detail", org_id=org_id))
    # The members page again, the refusal next to the address that was typed.
    return _detail_page(organisation, invite_form=form, status=422)


@bp.route("/<int:org_id>/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_member(org_id: int, membership_id: int):
    organisation = _load(org_id)
    visible_or_404(policy.can_manage_members(current_user, organisation))
    membership = db.session.get(Membership, membership_id)
    visible_or_404(membership is not None and membership.organisation_id == org_id)
    if ActionForm().validate_on_submit():
        perform(lambda: services.remove_member(current_user, organisation, membership),
                _("成员已移除。"))
    return redirect(url_for(".detail", org_id=org_id))


@bp.route("/<int:org_id>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
def revoke_invitation(org_id: int, invitation_id: int):
    organisation = _load(org_id)
    visible_or_404(policy.can_manage_members(current_user, organisation))
    invitation = db.session.get(Invitation, invitation_id)
    visible_or_404(invitation is not None and invitation.organisation_id == org_id)
    if ActionForm().validate_on_submit():
        perform(lambda: services.revoke_invitation(current_user, invitation), _("邀请已撤回。"))
    return redirect(url_for(".detail", org_id=org_id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token: str):
    # Only read, but a bad or used token is refused like a change: shown, then home.
    found = perform(lambda: services.invitation_from_token(token), None)
    if not found:
        return redirect(url_for("public.home"))
    invitation = found.value
    form = ActionForm()
    if form.validate_on_submit():
        accepted = perform(lambda: services.accept_invitation(current_user, token),
                           _("你已加入 %(name)s。", name=invitation.organisation.name))
        if accepted:
            return redirect(url_for(".detail", org_id=accepted.value.organisation_id))
    return render_template("organisations/invitation.html", invitation=invitation,
                           form=form), form_status()


@bp.route("/<int:org_id>/verify", methods=["POST"])
@login_required
def verify(org_id: int):
    organisation = _load(org_id)
    if ActionForm().validate_on_submit():
        perform(lambda: services.verify_organisation(current_user, organisation),
                _("已认证该组织。"))
    return redirect(url_for(".detail", org_id=org_id))


@bp.route("/<int:org_id>/reject", methods=["POST"])
@login_required
def reject(org_id: int):
    organisation = _load(org_id)
    form = RejectForm()
    if form.validate_on_submit():
        perform(lambda: services.reject_organisation(current_user, organisation,
                                                     form.reason.data),
                _("已退回该组织的认证申请。"))
    else:
        flash(_("请填写不通过的理由，组织会收到这条说明。"), "danger")
    return redirect(url_for(".detail", org_id=org_id))
