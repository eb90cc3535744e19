"""The application's (申报书) lifecycle as a table (core.workflow).

This domain declares the moves its members and the organizer's return make before review:
draft ⇄ submitted ⇄ returned (a group takes its submission back to draft to change it), and
withdrawn from any of them. The review domain adds the rest
(submitted → in review, the decisions, 立项) to this same table, so a page listing an
application's next actions reads the whole lifecycle from here.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from marketplace.applications import policy
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.urls import public_url
from marketplace.core.workflow import Transition, Workflow
from marketplace.notify.services import queue_mail

S = ApplicationStatus

# Acceptance (验收) and termination come with a later issue, with their states and moves.
APPLICATION = Workflow("application", ApplicationStatus, initial={S.DRAFT},
                       final={S.WITHDRAWN, S.AWARDED})


def members_of(application: Application):
    return [m.user for m in application.organisation.memberships]


def _mail_members(template: str, **fields: str):
    """Every member of the applying group hears of the move, each in their language.
    `fields` names what the mail also shows: {name in the mail: attribute of the application}
    (the service stores it before the move, e.g. the organizer's comment on a return)."""

    def mail(actor, application: Application, **context) -> None:
        link = public_url(url_for("applications.detail", app_id=application.id))
        extra = {name: getattr(application, attribute) for name, attribute in fields.items()}
        for user in members_of(application):
            queue_mail(user.email, template, user.locale, user=user, application=application,
                       organisation=application.organisation, link=link, **extra)

    return mail


_submit = dict(action="application.submit", who=policy.can_submit, label=_l("提交申报"),
               mail=_mail_members("applications/submitted"), endpoint="applications.submit",
               confirm=_l("提交后申报书不能再修改（除非被退回），确定提交吗？"))
_withdraw = dict(action="application.withdraw", who=policy.can_withdraw, label=_l("撤回"),
                 mail=_mail_members("applications/withdrawn"), endpoint="applications.withdraw",
                 confirm=_l("撤回后这份申报书不再参加本轮评审，确定撤回吗？"))

APPLICATION.add(
    Transition(S.DRAFT, S.SUBMITTED, **_submit),
    Transition(S.DRAFT, S.WITHDRAWN, **_withdraw),
    Transition(S.SUBMITTED, S.RETURNED, "application.return", policy.can_return,
               label=_l("退回修改"), endpoint="applications.return_for_changes",
               mail=_mail_members("applications/returned", comment="return_comment")),
    Transition(S.SUBMITTED, S.WITHDRAWN, **_withdraw),
    # 取回修改: the group changes a submitted proposal before the deadline; re-checked when
    # it is submitted again. No mail: the member who takes it back is the one who knows.
    Transition(S.SUBMITTED, S.DRAFT, "application.take_back", policy.can_take_back,
               label=_l("取回修改"), endpoint="applications.take_back",
               confirm=_l("取回后申报书回到草稿，须在截止前重新提交才能参加评审。确定取回吗？")),
    Transition(S.RETURNED, S.SUBMITTED, **_submit),
    Transition(S.RETURNED, S.WITHDRAWN, **_withdraw),
)
