"""System administration: users and roles, organisation verification queue, audit log."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from marketplace.accounts import policy as account_policy
from marketplace.accounts import roles
from marketplace.accounts import services as account_services
from marketplace.accounts.models import Role, User
from marketplace.admin.forms import ROLE_LABELS, AuditFilterForm, RoleForm
from marketplace.audit import labels as audit_labels
from marketplace.audit import present
from marketplace.audit.models import AuditEntry
from marketplace.core import nav
from marketplace.core.actions import perform
from marketplace.core.policy import visible_or_404
from marketplace.core.timeutil import local_to_utc
from marketplace.extensions import db
from marketplace.organisations import policy as org_policy
from marketplace.organisations.forms import ActionForm, RejectForm
from marketplace.organisations.models import Organisation, OrganisationStatus

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 25


def _organizer_not_admin(user) -> bool:
    # An admin finds 组织审核 in the 系统管理 menu; listing it twice would only crowd the bar.
    return roles.is_organizer(user) and not roles.is_admin(user)


nav.register("staff", _l("组织审核"), "admin.organisations", visible=_organizer_not_admin,
             order=90)
nav.register("admin", _l("组织审核"), "admin.organisations", visible=roles.is_admin, order=10)
nav.register("admin", _l("用户与角色"), "admin.users", visible=account_policy.can_manage_roles,
             order=20)
nav.register("admin", _l("审计日志"), "admin.audit_log", visible=account_policy.can_view_audit_log,
             order=30)


def _require_admin() -> None:
    visible_or_404(account_policy.can_manage_roles(current_user))


@bp.route("/users")
@login_required
def users():
    _require_admin()
    q = request.args.get("q", "").strip()
    stmt = select(User).options(selectinload(User.roles)).order_by(User.id)
    if q:
        stmt = stmt.where(or_(User.email.contains(q.casefold()), User.name.contains(q)))
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template("admin/users.html", page=page, q=q, role_form=RoleForm(),
                           action_form=ActionForm(), role_labels=ROLE_LABELS)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    visible_or_404(user is not None)
    return user


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@login_required
def change_role(user_id: int):
    _require_admin()
    user = _user_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        role = Role(form.role.data)
        change = (account_services.revoke_role if request.form.get("op") == "revoke"
                  else account_services.grant_role)
        perform(lambda: change(current_user, user, role),
                _("已更新 %(email)s 的角色。", email=user.email))
    return redirect(url_for(".users", q=request.args.get("q", "")))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@login_required
def toggle_disabled(user_id: int):
    _require_admin()
    user = _user_or_404(user_id)
    if ActionForm().validate_on_submit():
        change = account_services.enable_user if user.disabled_at else account_services.disable_user
        perform(lambda: change(current_user, user), _("已更新账号状态。"))
    return redirect(url_for(".users"))


@bp.route("/organisations")
@login_required
def organisations():
    visible_or_404(org_policy.is_staff(current_user))
    status = request.args.get("status", OrganisationStatus.PENDING.value)
    stmt = select(Organisation).order_by(Organisation.created_at.desc())
    if status in {s.value for s in OrganisationStatus}:
        stmt = stmt.where(Organisation.status == OrganisationStatus(status))
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template("admin/organisations.html", page=page, status=status,
                           statuses=list(OrganisationStatus), action_form=ActionForm(),
                           reject_form=RejectForm())


@bp.route("/audit")
@login_required
def audit_log():
    visible_or_404(account_policy.can_view_audit_log(current_user))
    form = AuditFilterForm(request.args)
    actors = db.session.execute(
        select(User.id, User.name, User.email)
        .where(User.id.in_(select(AuditEntry.actor_id).distinct()))
        .order_by(User.name, User.id)).all()
    types = list(db.session.scalars(select(AuditEntry.object_type).distinct()))
    everyone = [("", _("全部"))]
    form.actor.choices = everyone + [("system", _("系统"))] + [
        (str(a.id), f"{a.name} <{a.email}>") for a in actors]
    form.action.choices = everyone + audit_labels.all_actions()
    form.object_type.choices = everyone + present.object_type_choices(types)
    form.validate()
    stmt = select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(
        AuditEntry.id.desc())
    if form.actor.data == "system":
        stmt = stmt.where(AuditEntry.actor_id.is_(None))
    elif (form.actor.data or "").isdigit():
        stmt = stmt.where(AuditEntry.actor_id == int(form.actor.data))
    if form.action.data:
        stmt = stmt.where(AuditEntry.action == form.action.data)
    if form.object_type.data:
        stmt = stmt.where(AuditEntry.object_type == form.object_type.data)
    if form.object_id.data and not form.object_id.errors:
        stmt = stmt.where(AuditEntry.object_id == form.object_id.data)
    if form.date_from.data and not form.date_from.errors:
        stmt = stmt.where(AuditEntry.created_at >= local_to_utc(
            datetime.combine(form.date_from.data, time.min)))
    if form.date_to.data and not form.date_to.errors:
        stmt = stmt.where(AuditEntry.created_at < local_to_utc(
            datetime.combine(form.date_to.data + timedelta(days=1), time.min)))
    page = db.paginate(stmt, per_page=50, error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("admin/audit.html", page=page, lines=present.lines(page.items),
                           form=form, args=args)
