"""The lifecycles of spending as tables (core.workflow): a variation (requested → approved /
rejected) and an expense (recorded → voided by the group / rejected by the organizer). The
organizer's moves tell the group by mail."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.core.urls import mail_link
from marketplace.core.workflow import Transition, Workflow
from marketplace.funds import spending_policy as policy
from marketplace.funds.models import Award
from marketplace.funds.spending_models import (
    Expense,
    ExpenseStatus,
    Variation,
    VariationStatus,
)
from marketplace.notify.services import queue_mail


def mail_group(award: Award, template: str, **context) -> None:
    """Every member of the project's organisation hears of it, each in their language, with a
    link to the project's spending page."""
    application = award.application
    link = mail_link("funds.expenses", app_id=application.id)
    for membership in application.organisation.memberships:
        user = membership.user
        queue_mail(user.email, template, user.locale, user=user, award=award,
                   application=application, link=link, **context)


def _variation_decided(actor, variation: Variation, automatic: bool = False,
                       **context) -> None:
    if automatic:
        return  # the group made it itself, within the round's threshold
    mail_group(variation.award, "funds/variation_decided", variation=variation)


def _expense_rejected(actor, expense: Expense, **context) -> None:
    mail_group(expense.award, "funds/expense_rejected", expense=expense)


V = VariationStatus
VARIATION = Workflow("variation", VariationStatus, initial={V.REQUESTED},
                     final={V.APPROVED, V.REJECTED})
VARIATION.add(
    Transition(V.REQUESTED, V.APPROVED, "variation.approve", policy.can_decide_variation,
               label=_l("批准"), mail=_variation_decided,
               endpoint="funds.decide_variation"),
    Transition(V.REQUESTED, V.REJECTED, "variation.reject", policy.can_decide_variation,
               label=_l("不批准"), mail=_variation_decided,
               endpoint="funds.decide_variation"),
)

E = ExpenseStatus
EXPENSE = Workflow("expense", ExpenseStatus, initial={E.RECORDED}, final={E.VOIDED, E.REJECTED})
EXPENSE.add(
    Transition(E.RECORDED, E.VOIDED, "expense.void", policy.can_void_expense,
               label=_l("作废"), endpoint="funds.void_expense",
               confirm=_l("作废后这笔支出不再计入预算执行，确定作废吗？")),
    Transition(E.RECORDED, E.REJECTED, "expense.reject", policy.can_reject_expense,
               label=_l("不予认可这笔支出"), mail=_expense_rejected,
               endpoint="funds.reject_expense"),
)
