"""Pages of a project's spending: its budget lines with budget, spent and difference, the
expenses with their invoice scans, the explanation threads; and the round's overview of
every project's spending, its rules and the "expenses by budget line" export."""
from __future__ import annotations

import os
import secrets

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.applications.attachments import MAX_ATTACHMENT_BYTES
from marketplace.audit.services import record
from marketplace.core.actions import form_status, perform
from marketplace.core.exports import csv_response, xlsx_response
from marketplace.core.policy import visible_or_404
from marketplace.extensions import db
from marketplace.funds import budgets, expenses, hooks, spending_rules
from marketplace.funds import spending_policy as policy
from marketplace.funds.blueprint import bp
from marketplace.funds.models import Award
from marketplace.funds.spending_forms import (
    ActionForm,
    AnswerForm,
    ExpenseForm,
    QuestionForm,
    ReasonForm,
    SpendingRulesForm,
)
from marketplace.funds.spending_models import Expense
from marketplace.funds.spending_workflow import EXPENSE
from marketplace.rounds import contributions
from marketplace.rounds.models import Round


def project_award(app_id: int) -> Award:
    """The award of the project (application) `app_id`, if this user may see its spending."""
    award = db.session.scalar(select(Award).where(Award.application_id == app_id))
    visible_or_404(policy.can_see_spending(current_user, award))
    return award


def _line_choices(figures) -> list[tuple[int | None, str]]:
    return [(None, _("请选择")), *(
        (f.line.key, _("%(item)s（余 %(left)s）", item=f.line.item,
                       left=f"¥{f.difference:,.2f}")) for f in figures)]


def _page(award: Award, form: ExpenseForm | None = None, status: int = 200,
          question_form: QuestionForm | None = None, answer_form: AnswerForm | None = None):
    base = budgets.baseline(award)
    rules = spending_rules.rules_for(award.round_id)
    figures = expenses.line_figures(base, award.id, rules)
    may_record = policy.can_record_expense(current_user, award)
    if form is None and may_record:
        form = ExpenseForm(formdata=None)
        form.form_token.data = secrets.token_urlsafe(16)
    if form is not None:
        form.line_key.choices = _line_choices(figures)
    listed = expenses.expenses_of(award.id)
    staff_view = policy.can_see_duplicate_invoices(current_user)
    return render_template(
        "funds/expenses.html", award=award, application=award.application, base=base,
        rules=rules, figures=figures, lines={f.line.key: f.line for f in figures},
        needs_revision=budgets.needs_revision(award, base), form=form if may_record else None,
        record_refusal=None if may_record else may_record.reason,
        expenses=listed, actions={e.id: EXPENSE.next_actions(current_user, e) for e in listed},
        duplicates=expenses.duplicate_invoices([award.id]) if staff_view else {},
        may_ask=policy.can_ask_explanation(current_user, award),
        may_answer=policy.can_answer_explanation(current_user, award),
        question_form=question_form or QuestionForm(formdata=None),
        answer_form=answer_form or AnswerForm(formdata=None),
        reason_form=ReasonForm(formdata=None), action_form=ActionForm(formdata=None),
        open_variation=budgets.open_variation(award.id)), status


@bp.route("/projects/<int:app_id>/expenses", methods=["GET", "POST"], endpoint="expenses")
@login_required
def expenses_page(app_id: int):
    award = project_award(app_id)
    if request.method == "GET":
        return _page(award)
    form = ExpenseForm()
    if form.validate_on_submit():
        upload = form.scan.data
        filename = getattr(upload, "filename", "") or ""
        data = upload.stream.read(MAX_ATTACHMENT_BYTES + 1) if upload and filename else b""
        done = perform(lambda: expenses.record_expense(
            current_user, award, expenses.ExpenseData(
                line_key=form.line_key.data, spent_on=form.spent_on.data,
                amount=form.amount.amount, payee=form.payee.data or "",
                description=form.description.data or "", invoice_number=form.invoice_number.data
                or "", form_token=form.form_token.data or ""), filename, data),
            _("支出已登记。"), form)
        if done:
            return redirect(url_for(".expenses", app_id=app_id) + "#lines")
    return _page(award, form, form_status())


def _expense_of(award: Award, expense_id: int) -> Expense:
    expense = db.session.get(Expense, expense_id)
    visible_or_404(expense is not None and expense.award_id == award.id)
    return expense


@bp.route("/projects/<int:app_id>/expenses/<int:expense_id>/scan")
@login_required
def expense_scan(app_id: int, expense_id: int):
    award = project_award(app_id)
    expense = _expense_of(award, expense_id)
    path = expenses.scan_path(expense)
    if not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype=expense.scan_type, as_attachment=True,
                         download_name=expense.scan_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/projects/<int:app_id>/expenses/<int:expense_id>/void", methods=["POST"])
@login_required
def void_expense(app_id: int, expense_id: int):
    award = project_award(app_id)
    expense = _expense_of(award, expense_id)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(lambda: expenses.void_expense(current_user, expense, form.reason.data or ""),
                _("支出已作废。"))
    return redirect(url_for(".expenses", app_id=app_id) + "#expenses")


@bp.route("/projects/<int:app_id>/expenses/<int:expense_id>/reject", methods=["POST"])
@login_required
def reject_expense(app_id: int, expense_id: int):
    award = project_award(app_id)
    expense = _expense_of(award, expense_id)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(lambda: expenses.reject_expense(current_user, expense, form.reason.data or ""),
                _("已认定这笔支出不予认可，项目组会收到邮件。"))
    return redirect(url_for(".expenses", app_id=app_id) + "#expenses")


def _line_key(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 10 else None


@bp.route("/projects/<int:app_id>/expenses/ask", methods=["POST"])
@login_required
def ask_explanation(app_id: int):
    award = project_award(app_id)
    form = QuestionForm()
    if form.validate_on_submit():
        done = perform(lambda: expenses.ask_explanation(
            current_user, award, _line_key(form.line_key.data), form.question.data or ""),
            _("已请项目组说明，项目组会收到邮件。"), form)
        if done:
            return redirect(url_for(".expenses", app_id=app_id) + "#lines")
    return _page(award, status=form_status(), question_form=form)


@bp.route("/projects/<int:app_id>/expenses/answer", methods=["POST"])
@login_required
def answer_explanation(app_id: int):
    award = project_award(app_id)
    form = AnswerForm()
    if form.validate_on_submit():
        done = perform(lambda: expenses.answer_explanation(
            current_user, award, _line_key(form.line_key.data), form.answer.data or ""),
            _("说明已提交。"), form)
        if done:
            return redirect(url_for(".expenses", app_id=app_id) + "#lines")
    return _page(award, status=form_status(), answer_form=form)


# --- the round's overview, rules and export -------------------------------------------------

def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    visible_or_404(policy.can_see_round_spending(current_user, round_))
    return round_


def _round_page(round_: Round, rules_form: SpendingRulesForm | None = None, status: int = 200):
    projects, rules = expenses.round_spending(round_.id)
    if rules_form is None:
        rules_form = SpendingRulesForm(formdata=None, obj=rules)
    return render_template(
        "funds/expense_round.html", round=round_, projects=projects, rules=rules,
        rules_form=rules_form, action_form=ActionForm(formdata=None),
        may_set_rules=policy.can_manage_spending_rules(current_user, round_)), status


@bp.route("/rounds/<int:round_id>/spending")
@login_required
def round_spending(round_id: int):
    return _round_page(_round(round_id))


@bp.route("/rounds/<int:round_id>/spending/rules", methods=["POST"])
@login_required
def spending_rules_update(round_id: int):
    round_ = _round(round_id)
    form = SpendingRulesForm()
    if form.validate_on_submit():
        done = perform(lambda: spending_rules.update_rules(
            current_user, round_, form.overspend_percent.data, form.variation_percent.data),
            _("资金使用规则已保存。"), form)
        if done:
            return redirect(url_for(".round_spending", round_id=round_id))
    return _round_page(round_, form, form_status())


EXPORT_HEADER = [_l("项目名称"), _l("申报组织"), _l("立项金额"), _l("预算版本"), _l("预算项目"),
                 _l("费用类别"), _l("预算"), _l("已支出"), _l("差额"), _l("超支比例（%）"),
                 _l("超支提醒")]


def export_rows(projects) -> list[list]:
    """One row per budget line of each project: the line's budget, spent, difference."""
    rows = []
    for project in projects:
        for figure in project.lines:
            rows.append([project.application.title, project.application.organisation.name,
                         project.award.amount, project.base.number, figure.line.item,
                         figure.line.category.label, figure.budget, figure.spent,
                         figure.difference, figure.over_percent,
                         _("是") if figure.flagged else ""])
    return rows


@bp.route("/rounds/<int:round_id>/spending/export.<any(xlsx, csv):fmt>", methods=["POST"])
@login_required
def export_expenses(round_id: int, fmt: str):
    """Expenses by budget line (XLSX or CSV, formula-neutralised), audited: who exported. A
    POST: the export is audited, and a GET may not write."""
    round_ = _round(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    projects, _rules = expenses.round_spending(round_.id)
    rows = export_rows(projects)
    record("expense.export", round_, actor=current_user, after={"format": fmt, "rows": len(rows)})
    header = [str(h) for h in EXPORT_HEADER]
    filename = f"expenses-by-line-{round_.year}-{round_.id}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, header, rows)
    return xlsx_response(filename, header, rows, title=_("预算执行"))


contributions.register_round_link(contributions.RoundLink(
    "spending", _l("资金使用"), lambda round_: url_for("funds.round_spending", round_id=round_.id),
    lambda user, round_: policy.can_see_round_spending(user, round_),
    testid="round-spending-link", order=60))


# --- the group's project page (part A's funds.project) --------------------------------------

def _expenses_panel(user, award: Award) -> dict | None:
    if not policy.can_see_spending(user, award):
        return None
    base = budgets.baseline(award)
    figures = expenses.line_figures(base, award.id, spending_rules.rules_for(award.round_id))
    return {"award": award, "base": base, "figures": figures,
            "needs_revision": budgets.needs_revision(award, base),
            "spent": sum(f.spent for f in figures),
            "flagged": sum(1 for f in figures if f.flagged),
            "awaiting": sum(1 for f in figures if f.awaiting_answer)}


hooks.register_project_panel(hooks.ProjectPanel(
    "expenses", "funds/_expenses_panel.html", _expenses_panel, order=50))
