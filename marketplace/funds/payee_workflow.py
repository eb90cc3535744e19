"""The lifecycle of a payee account version as a table (core.workflow): recorded → finance
confirms it (payments may go to it) or does not (payments wait for a new one); a version
finance has not looked at yet is superseded by a newer change. The owners hear of finance's
decision by mail."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.core.urls import mail_link
from marketplace.core.workflow import Transition, Workflow, anyone
from marketplace.funds import payee_policy as policy
from marketplace.funds.payee_models import PayeeAccount, PayeeStatus
from marketplace.notify.services import queue_mail
from marketplace.organisations.models import MemberRole


def mail_owners(account: PayeeAccount, template: str, **context) -> None:
    """Every owner of the organisation, each in their language, with the settings link."""
    link = mail_link("funds.payee", org_id=account.organisation_id)
    for membership in account.organisation.memberships:
        if membership.role != MemberRole.OWNER:
            continue
        user = membership.user
        queue_mail(user.email, template, user.locale, user=user, account=account,
                   organisation=account.organisation, link=link, **context)


def _decided(actor, account: PayeeAccount, **context) -> None:
    mail_owners(account, "funds/payee_decided")


P = PayeeStatus
PAYEE = Workflow("payee_account", PayeeStatus, initial={P.PENDING},
                 final={P.CONFIRMED, P.REJECTED, P.SUPERSEDED})
PAYEE.add(
    Transition(P.PENDING, P.CONFIRMED, "payee.confirm", policy.can_decide_payee,
               label=_l("确认新账户"), mail=_decided, endpoint="funds.confirm_payee",
               confirm=_l("确认后，这个组织的拨款将汇入新账户。已与组织核实过吗？")),
    Transition(P.PENDING, P.REJECTED, "payee.reject", policy.can_decide_payee,
               label=_l("不予确认"), mail=_decided, endpoint="funds.reject_payee"),
    # A newer change replaces it: the owner's own change, decided by the service.
    Transition(P.PENDING, P.SUPERSEDED, "payee.supersede", anyone),
)
