"""Pages of a project's budget: its versions, the revised budget (an award below the
request), variation requests and the organizer's decision on them."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core.actions import form_status, perform
from marketplace.core.money import from_fen
from marketplace.core.policy import visible_or_404
from marketplace.extensions import db
from marketplace.funds import budgets, expenses, spending_rules, variations
from marketplace.funds import spending_policy as policy
from marketplace.funds.blueprint import bp
from marketplace.funds.expense_views import project_award
from marketplace.funds.models import Award
from marketplace.funds.spending_forms import (
    BLANK_LINES,
    BudgetForm,
    DecisionForm,
    VariationForm,
)
from marketplace.funds.spending_models import Variation, VariationStatus
from marketplace.funds.spending_workflow import VARIATION
from marketplace.rounds.models import BudgetCategory


def _fill_lines(form: BudgetForm, base: budgets.Baseline) -> None:
    """The baseline's lines to start from, and a few blank rows for new ones."""
    while len(form.lines.entries):
        form.lines.pop_entry()
    for line in base.lines:
        entry = form.lines.append_entry()
        entry.form.key.data = str(line.key)
        entry.form.item.data = line.item
        entry.form.category.data = line.category.value
        entry.form.amount.set_amount(line.amount)
    for _blank in range(BLANK_LINES):
        form.lines.append_entry()


def _typed_lines(form: BudgetForm) -> list[variations.LineData]:
    rows = []
    for entry in form.lines.entries:
        sub = entry.form
        key = sub.key.data
        try:
            category = BudgetCategory(sub.category.data)
        except ValueError:
            category = None
        rows.append(variations.LineData(
            key=int(key) if key and key.isdigit() and len(key) < 10 else None,
            item=sub.item.data or "", category=category, amount=sub.amount.amount))
    return rows


def _budget_page(award: Award, form: BudgetForm | None = None, status: int = 200):
    base = budgets.baseline(award)
    may_revise = policy.can_revise_budget(current_user, award)
    if form is None and may_revise:
        form = BudgetForm(formdata=None)
        _fill_lines(form, base)
    return render_template(
        "funds/variation_budget.html", award=award, application=award.application,
        base=base, versions=budgets.versions_of(award.id),
        needs_revision=budgets.needs_revision(award, base), form=form if may_revise else None,
        may_request=policy.can_request_variation(current_user, award),
        open_variation=budgets.open_variation(award.id),
        rules=spending_rules.rules_for(award.round_id)), status


@bp.route("/projects/<int:app_id>/budget", methods=["GET", "POST"])
@login_required
def budget(app_id: int):
    award = project_award(app_id)
    if request.method == "GET":
        return _budget_page(award)
    form = BudgetForm()
    if form.validate_on_submit():
        done = perform(lambda: variations.submit_revised_budget(
            current_user, award, _typed_lines(form)), _("调整后的预算已提交，成为执行预算。"), form)
        if done:
            return redirect(url_for(".budget", app_id=app_id))
    return _budget_page(award, form, form_status())


@bp.route("/projects/<int:app_id>/variations/new", methods=["GET", "POST"])
@login_required
def new_variation(app_id: int):
    award = project_award(app_id)
    base = budgets.baseline(award)
    may = policy.can_request_variation(current_user, award)
    if not may:
        # A member who may not ask now (one waits, the budget needs revising) reads why on the
        # budget page; anyone else has no business here.
        visible_or_404(policy.is_group_member(current_user, award))
        return redirect(url_for(".budget", app_id=app_id))
    form = VariationForm(formdata=None) if request.method == "GET" else VariationForm()
    if request.method == "GET":
        _fill_lines(form, base)
        form.end_date.data = base.end_date
    elif form.validate_on_submit():
        done = perform(lambda: variations.request_variation(
            current_user, award, _typed_lines(form), form.end_date.data,
            form.reason.data or ""), _variation_message, form)
        if done:
            return redirect(url_for(".variation", app_id=app_id,
                                    variation_id=done.value.id))
    return render_template(
        "funds/variation_form.html", award=award, application=award.application, base=base,
        form=form, rules=spending_rules.rules_for(award.round_id),
        spent=expenses.spent_by_line([award.id])), form_status()


def _variation_message(variation: Variation) -> str:
    if variation.status == VariationStatus.APPROVED:
        return _("调整幅度在本轮审批比例以内，已自动生效。")
    return _("预算调整申请已提交，等待团市委审批。")


def _variation_of(award: Award, variation_id: int) -> Variation:
    variation = db.session.get(Variation, variation_id)
    visible_or_404(variation is not None and variation.award_id == award.id)
    return variation


def _variation_page(award: Award, variation: Variation, form: DecisionForm | None = None,
                    status: int = 200):
    proposed = variation.version
    numbers = [v for v in budgets.versions_of(award.id) if v.number < proposed.number
               and budgets.stands(v)]
    before = budgets.of_version(numbers[-1]) if numbers else budgets.baseline(award)
    before_lines = {line.key: line for line in before.lines}
    rows = [(before_lines.get(x.key), x) for x in proposed.lines]
    dropped = [line for key, line in before_lines.items()
               if key not in {x.key for x in proposed.lines}]
    return render_template(
        "funds/variation.html", award=award, application=award.application,
        variation=variation, rows=rows, dropped=dropped, before=before,
        moved=from_fen(variation.moved_fen),
        actions=VARIATION.next_actions(current_user, variation),
        form=form or DecisionForm(formdata=None)), status


@bp.route("/projects/<int:app_id>/variations/<int:variation_id>")
@login_required
def variation(app_id: int, variation_id: int):
    award = project_award(app_id)
    return _variation_page(award, _variation_of(award, variation_id))


@bp.route("/projects/<int:app_id>/variations/<int:variation_id>/decide", methods=["POST"])
@login_required
def decide_variation(app_id: int, variation_id: int):
    award = project_award(app_id)
    found = _variation_of(award, variation_id)
    form = DecisionForm()
    approve = request.form.get("decision") == "approve"
    if form.validate_on_submit():
        done = perform(lambda: variations.decide_variation(current_user, found, approve,
                                                           form.note.data or ""),
                       _("已批准预算调整。") if approve else _("已不批准预算调整。"), form)
        if done:
            return redirect(url_for(".variation", app_id=app_id, variation_id=variation_id))
    return _variation_page(award, found, form, form_status())
