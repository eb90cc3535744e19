"""Who may see and change an award's spending (budget versions, variations, expenses,
explanations, closing) and the funding sources, and when.

A project's spending is seen by the members of its organisation, the organizers (admins
included) and finance; for everyone else it does not exist (404). Only a project that is
立项 (awarded) has spending. The group records and explains; the organizer asks, rejects an
expense and decides variations — never on a project of an organisation they belong to;
finance reads and exports.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.accounts.roles import is_finance, is_organizer, is_signed_in
from marketplace.core.policy import ALLOW, Decision, deny
from marketplace.funds import budgets
from marketplace.funds.models import Award, AwardStatus
from marketplace.funds.spending_models import (
    Expense,
    ExpenseStatus,
    Variation,
)
from marketplace.organisations.policy import membership_of
from marketplace.rounds.models import Round

NOT_FOUND = _l("找不到这个项目。")
OWN_PROJECT = _l("不能处理自己所在组织的项目。")


def is_group_member(user, award: Award) -> bool:
    return is_signed_in(user) and membership_of(user, award.application.organisation) is not None


def _awarded(award: Award) -> bool:
    return award is not None and award.status == AwardStatus.AWARDED


def can_see_spending(user, award: Award | None) -> Decision:
    if not _awarded(award) or not is_signed_in(user):
        return deny(NOT_FOUND)
    if is_group_member(user, award) or is_organizer(user) or is_finance(user):
        return ALLOW
    return deny(NOT_FOUND)


def _group_acts(user, award: Award, who: str) -> Decision:
    if not is_group_member(user, award):
        return deny(who)
    if not _awarded(award):
        return deny(_l("项目立项后才能登记和调整资金使用。"))
    return ALLOW


def _staff_acts(user, award: Award, who: str) -> Decision:
    if not is_organizer(user):
        return deny(who)
    if is_group_member(user, award):
        return deny(OWN_PROJECT)
    return ALLOW


def can_revise_budget(user, award: Award) -> Decision:
    decision = _group_acts(user, award, _l("只有项目所属组织的成员可以提交调整后的预算。"))
    if not decision:
        return decision
    if not budgets.needs_revision(award):
        return deny(_l("预算合计已等于立项金额，不需要再调整；如需变更请申请预算调整。"))
    return ALLOW


def can_request_variation(user, award: Award) -> Decision:
    decision = _group_acts(user, award, _l("只有项目所属组织的成员可以申请预算调整。"))
    if not decision:
        return decision
    if budgets.needs_revision(award):
        return deny(_l("请先提交合计等于立项金额的调整后预算。"))
    if budgets.open_variation(award.id) is not None:
        return deny(_l("已有一项预算调整正在等待审批，请等审批后再申请。"))
    return ALLOW


def can_decide_variation(user, variation: Variation, **context) -> Decision:
    return _staff_acts(user, variation.award, _l("只有团市委工作人员可以审批预算调整。"))


def can_record_expense(user, award: Award) -> Decision:
    decision = _group_acts(user, award, _l("只有项目所属组织的成员可以登记支出。"))
    if not decision:
        return decision
    if budgets.needs_revision(award):
        return deny(_l("立项金额与预算合计不一致：请先提交调整后的预算，再登记支出。"))
    return ALLOW


def can_void_expense(user, expense: Expense, **context) -> Decision:
    decision = _group_acts(user, expense.award, _l("只有项目所属组织的成员可以作废支出。"))
    if decision and expense.status != ExpenseStatus.RECORDED:
        return deny(_l("这笔支出已经作废或不予认可。"))
    return decision


def can_reject_expense(user, expense: Expense, **context) -> Decision:
    decision = _staff_acts(user, expense.award, _l("只有团市委工作人员可以认定支出不予认可。"))
    if decision and expense.status != ExpenseStatus.RECORDED:
        return deny(_l("这笔支出已经作废或不予认可。"))
    return decision


def can_ask_explanation(user, award: Award) -> Decision:
    decision = _staff_acts(user, award, _l("只有团市委工作人员可以要求说明。"))
    if decision and not _awarded(award):
        return deny(NOT_FOUND)
    return decision


def can_answer_explanation(user, award: Award) -> Decision:
    return _group_acts(user, award, _l("只有项目所属组织的成员可以作出说明。"))


def can_see_scan(user, expense: Expense) -> Decision:
    return can_see_spending(user, expense.award)


def can_see_duplicate_invoices(user) -> bool:
    """Which other project used the same invoice is for staff and finance, not for groups."""
    return is_organizer(user) or is_finance(user)


def can_close_spending(user, award: Award) -> Decision:
    """At closing (acceptance, the delivery issue), the organizer asks the unspent money
    back."""
    return _staff_acts(user, award, _l("只有团市委工作人员可以结算项目结余。"))


def can_manage_sources(user) -> Decision:
    return ALLOW if is_organizer(user) else deny(_l("只有团市委工作人员可以管理资金来源。"))


def can_manage_spending_rules(user, round_: Round) -> Decision:
    return ALLOW if is_organizer(user) else deny(_l("只有团市委工作人员可以设置资金使用规则。"))


def can_see_round_spending(user, round_: Round | None) -> Decision:
    """The round's spending overview and the expenses export: organizers and finance."""
    if round_ is not None and (is_organizer(user) or is_finance(user)):
        return ALLOW
    return deny(NOT_FOUND)
