"""Pages of payee accounts: the organisation's own settings page (owners only; the full
number), and finance's list of changes to confirm (old → new in full), with the confirm and
reject actions. Everywhere else an account is shown masked."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core.actions import form_status, perform
from marketplace.core.policy import visible_or_404
from marketplace.extensions import db
from marketplace.funds import hooks, payees
from marketplace.funds import payee_policy as policy
from marketplace.funds.blueprint import bp
from marketplace.funds.payee_forms import ActionForm, NoteForm, PayeeForm
from marketplace.funds.payee_models import PayeeAccount, PayeeStatus
from marketplace.funds.payee_workflow import PAYEE
from marketplace.organisations.models import Organisation


def _organisation(org_id: int) -> Organisation:
    organisation = db.session.get(Organisation, org_id)
    visible_or_404(policy.can_manage_payee(current_user, organisation))
    return organisation


def _form_from(account: PayeeAccount | None) -> PayeeForm:
    form = PayeeForm(formdata=None)
    if account is not None:
        form.mode.data = "host_unit" if account.via_host_unit else "own"
        form.host_unit_name.data = account.host_unit_name
        form.host_unit_uscc.data = account.host_unit_uscc
        form.account_name.data = account.account_name
        form.bank.data = account.bank
        form.account_number.data = account.grouped
    return form


@bp.route("/organisations/<int:org_id>/payee", methods=["GET", "POST"], endpoint="payee")
@login_required
def payee_settings(org_id: int):
    organisation = _organisation(org_id)
    history = payees.versions(organisation.id)
    if request.method == "GET":
        form = _form_from(history[0] if history else None)
    else:
        form = PayeeForm()
        if form.validate_on_submit() and perform(
                lambda: payees.record_payee(current_user, organisation, form.to_data()),
                _("收款信息已保存。财务确认新账户之前，向本组织的拨付暂停；每位负责人都会收到通知邮件。"),
                form):
            return redirect(url_for(".payee", org_id=org_id))
    return render_template("funds/payee.html", organisation=organisation, form=form,
                           history=history, current=history[0] if history else None,
                           confirmed=next((a for a in history
                                           if a.status == PayeeStatus.CONFIRMED), None)
                           ), form_status()


# --- finance: changes to confirm -------------------------------------------------------------

def _changes_page(note_form: NoteForm | None = None, failed_id: int | None = None,
                  status: int = 200):
    visible_or_404(policy.can_see_payee_changes(current_user))
    changes = payees.pending_changes()
    return render_template(
        "funds/payee_changes.html", changes=changes,
        actions={c.account.id: {t.target.value: t for t in
                                PAYEE.next_actions(current_user, c.account) if t.endpoint}
                 for c in changes},
        action_form=ActionForm(formdata=None), note_form=note_form or NoteForm(formdata=None),
        failed_id=failed_id), status


@bp.route("/finance/payee-changes")
@login_required
def payee_changes():
    return _changes_page()


def _account(account_id: int) -> PayeeAccount:
    visible_or_404(policy.can_see_payee_changes(current_user))
    account = db.session.get(PayeeAccount, account_id)
    visible_or_404(account is not None)
    return account


@bp.route("/finance/payee-changes/<int:account_id>/confirm", methods=["POST"])
@login_required
def confirm_payee(account_id: int):
    account = _account(account_id)
    if ActionForm().validate_on_submit():
        perform(lambda: payees.confirm_payee(current_user, account),
                _("已确认 %(org)s 的新收款账户，向它的拨付可以继续。",
                  org=account.organisation.name))
    return redirect(url_for(".payee_changes"))


@bp.route("/finance/payee-changes/<int:account_id>/reject", methods=["POST"])
@login_required
def reject_payee(account_id: int):
    account = _account(account_id)
    form = NoteForm()
    if form.validate_on_submit() and perform(
            lambda: payees.reject_payee(current_user, account, form.note.data or ""),
            _("已不予确认；组织负责人会收到邮件，拨付继续暂停。"), form):
        return redirect(url_for(".payee_changes"))
    return _changes_page(form, account.id, form_status())


# --- the finance workbench's panel ------------------------------------------------------------

PANEL_ROWS = 5


def _workbench_panel(user) -> dict | None:
    if not policy.can_see_payee_changes(user):
        return None
    return {"changes": payees.pending_changes(limit=PANEL_ROWS),
            "count": payees.pending_count(user)}


hooks.WORKBENCH_PANELS["payee_changes"] = hooks.WorkbenchPanel(
    "payee_changes", "funds/_payee_changes_panel.html", _workbench_panel, order=30)
# No nav link of its own: finance reaches the page from its home page's to-do list
# (payee_todo.py) and from the workbench panel, which carries the count.
