"""Who may see an award's money and move it: releases, payments, returns, cuts.

- An award's money (tranches, payments) is seen by the members of its organisation, the
  organizers (admins included) and finance; for everyone else it does not exist (404).
- The round's money view, its exports and the API: organizers and finance.
- The organizer requests a release and cuts an award; finance approves a release, records
  payments and returns. Two people: whoever requested a release may neither approve nor pay
  it. Nobody acts on a project of an organisation they belong to.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.roles import is_finance, is_organizer, is_signed_in
from marketplace.core.policy import ALLOW, Decision, deny
from marketplace.extensions import db
from marketplace.funds.models import LIVE_AWARD_STATUSES, Award, AwardStatus, Tranche
from marketplace.funds.payment_models import ReturnRequest, ReturnStatus, TrancheRelease
from marketplace.organisations.policy import membership_of
from marketplace.rounds.models import Round

NOT_FOUND = _l("找不到这个项目。")
OWN_PROJECT = _l("不能处理自己所在组织的项目。")
TWO_PEOPLE = _l("申请下达的人不能自己审批或拨付这一期资金，请由另一位财务人员办理。")


def is_group_member(user, award: Award) -> bool:
    return is_signed_in(user) and membership_of(user, award.application.organisation) is not None


def can_see_money(user, award: Award | None) -> Decision:
    if award is None or award.status not in LIVE_AWARD_STATUSES or not is_signed_in(user):
        return deny(NOT_FOUND)
    if is_organizer(user) or is_finance(user) or is_group_member(user, award):
        return ALLOW
    return deny(NOT_FOUND)


def can_manage_money(user, award: Award | None) -> Decision:
    """The per-award money page with its actions: organizers and finance."""
    if award is None or not (is_organizer(user) or is_finance(user)):
        return deny(NOT_FOUND)
    return ALLOW


def can_see_round_money(user, round_: Round | None) -> Decision:
    if round_ is not None and (is_organizer(user) or is_finance(user)):
        return ALLOW
    return deny(NOT_FOUND)


def can_use_workbench(user) -> Decision:
    return ALLOW if is_finance(user) else deny(NOT_FOUND)


def _staff(user, award: Award, who) -> Decision:
    if not is_organizer(user):
        return deny(who)
    if is_group_member(user, award):
        return deny(OWN_PROJECT)
    return ALLOW


def _finance(user, award: Award, who) -> Decision:
    if not is_finance(user):
        return deny(who)
    if is_group_member(user, award):
        return deny(OWN_PROJECT)
    return ALLOW


def _awarded(award: Award) -> Decision:
    if award.status != AwardStatus.AWARDED:
        return deny(_l("项目立项（公示结束）后才能下达和拨付资金。"))
    return ALLOW


def can_request_release(user, tranche: Tranche, **context) -> Decision:
    decision = _staff(user, tranche.award, _l("只有团市委工作人员可以申请下达资金。"))
    return decision and _awarded(tranche.award)


def release_of(tranche: Tranche) -> TrancheRelease | None:
    return db.session.scalar(select(TrancheRelease).where(TrancheRelease.tranche_id
                                                          == tranche.id))


def _requester(tranche: Tranche) -> int | None:
    release = release_of(tranche)
    return release.requested_by_id if release is not None else None


def can_approve_release(user, tranche: Tranche, **context) -> Decision:
    decision = _finance(user, tranche.award, _l("只有财务人员可以审批资金下达。"))
    if decision and _requester(tranche) == user.id:
        return deny(TWO_PEOPLE)
    return decision and _awarded(tranche.award)


def can_record_payment(user, tranche: Tranche, **context) -> Decision:
    decision = _finance(user, tranche.award, _l("只有财务人员可以登记拨付。"))
    if decision and _requester(tranche) == user.id:
        return deny(TWO_PEOPLE)
    return decision


def can_request_return(user, award: Award) -> Decision:
    if is_finance(user) and not is_group_member(user, award):
        return ALLOW
    return _staff(user, award, _l("只有团市委工作人员或财务人员可以要求退回资金。"))


def can_record_return(user, award: Award) -> Decision:
    return _finance(user, award, _l("只有财务人员可以登记退回的资金。"))


def can_settle_return(user, request: ReturnRequest, **context) -> Decision:
    if request.status != ReturnStatus.EXPECTED:
        return deny(_l("这笔退回已经办结。"))
    return can_record_return(user, request.award)


def can_cut_award(user, award: Award) -> Decision:
    decision = _staff(user, award, _l("只有团市委工作人员可以核减或终止资助。"))
    if decision and award.status not in LIVE_AWARD_STATUSES:
        return deny(_l("这项立项已经撤销或终止。"))
    return decision


def can_export_money(user, round_: Round | None) -> Decision:
    return can_see_round_money(user, round_)
