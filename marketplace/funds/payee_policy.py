"""Who may see and change payee accounts and project agreements, and when.

- A payee account (收款信息) is recorded and changed by the organisation's owners, on the
  organisation's own settings page (the full number is shown there, and to finance when it
  confirms a change; masked everywhere else). Finance confirms a change — never one of an
  organisation it belongs to.
- The project page (funds.project) and its agreement: the organisation's members, the
  organizers (admins included) and finance see them; for everyone else they do not exist
  (404). The group's owners sign the agreement (in the app, or by uploading a stamped scan)
  once every prerequisite is met; the organizer confirms a scan and sets the round's
  agreement text; finance reads.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.accounts.roles import is_finance, is_organizer, is_signed_in
from marketplace.core.policy import ALLOW, Decision, deny
from marketplace.funds import hooks
from marketplace.funds.agreement_models import Agreement
from marketplace.funds.models import Award, AwardStatus
from marketplace.funds.payee_models import PayeeAccount
from marketplace.organisations.models import MemberRole, Organisation
from marketplace.organisations.policy import membership_of
from marketplace.rounds.models import Round

NOT_FOUND = _l("找不到这个项目。")


# --- payee accounts ---------------------------------------------------------------------------

def is_owner_of(user, organisation: Organisation) -> bool:
    membership = membership_of(user, organisation)
    return membership is not None and membership.role == MemberRole.OWNER


def can_manage_payee(user, organisation: Organisation | None) -> Decision:
    """The payee settings page: the organisation's owners only (its full account number)."""
    if organisation is not None and is_owner_of(user, organisation):
        return ALLOW
    return deny(_l("只有组织负责人可以填写和修改收款信息。"))


def can_see_payee_changes(user) -> Decision:
    return ALLOW if is_finance(user) else deny(_l("只有财务人员可以确认收款账户变更。"))


def can_decide_payee(user, account: PayeeAccount, **context) -> Decision:
    if not is_finance(user):
        return deny(_l("只有财务人员可以确认收款账户变更。"))
    if membership_of(user, account.organisation) is not None:
        return deny(_l("不能确认自己所在组织的收款账户。"))
    return ALLOW


# --- the project page and its agreement -------------------------------------------------------

def _awarded(award: Award | None) -> bool:
    return award is not None and award.status == AwardStatus.AWARDED


def is_group_member(user, award: Award) -> bool:
    return is_signed_in(user) and membership_of(user, award.application.organisation) is not None


def can_see_project(user, award: Award | None) -> Decision:
    """Members of the organisation, organizers and finance; reviewers see no money."""
    if not _awarded(award) or not is_signed_in(user):
        return deny(NOT_FOUND)
    if is_group_member(user, award) or is_organizer(user) or is_finance(user):
        return ALLOW
    return deny(NOT_FOUND)


def missing_prerequisites(award: Award) -> list[str]:
    """What must happen before the group may sign (hooks.AGREEMENT_PREREQUISITES)."""
    found = []
    for check in hooks.AGREEMENT_PREREQUISITES.values():
        message = check(award)
        if message:
            found.append(str(message))
    return found


def _group_signs(user, agreement: Agreement) -> Decision:
    award = agreement.award
    if not _awarded(award):
        return deny(_l("项目立项后才能签署协议书。"))
    if not is_owner_of(user, award.application.organisation):
        return deny(_l("只有项目所属组织的负责人可以签署协议书。"))
    missing = missing_prerequisites(award)
    if missing:
        return deny(missing[0])
    return ALLOW


def can_sign(user, agreement: Agreement, **context) -> Decision:
    return _group_signs(user, agreement)


def can_upload_scan(user, agreement: Agreement, **context) -> Decision:
    return _group_signs(user, agreement)


def can_decide_scan(user, agreement: Agreement, **context) -> Decision:
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以确认盖章扫描件。"))
    if is_group_member(user, agreement.award):
        return deny(_l("不能处理自己所在组织的项目。"))
    return ALLOW


def can_see_scan(user, agreement: Agreement) -> Decision:
    return can_see_project(user, agreement.award)


def can_edit_agreement_text(user, round_: Round) -> Decision:
    return ALLOW if is_organizer(user) else deny(_l("只有团市委工作人员可以修改协议书文本。"))


def can_see_agreement_text(user, round_: Round | None) -> Decision:
    if round_ is not None and not round_.imported and (is_organizer(user) or is_finance(user)):
        return ALLOW
    return deny(NOT_FOUND)


def can_see_scans_to_confirm(user) -> Decision:
    return ALLOW if is_organizer(user) else deny(NOT_FOUND)
