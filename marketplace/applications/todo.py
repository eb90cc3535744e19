"""What a group's members find on their to-do list (core/todo.py): the group's applications
and projects under way, each with the next thing due — drafts and returned applications to
submit before the deadline first, then what waits for others (review, 公示) and the awarded
projects. The drafts and returned ones are also counted beside 我的申报."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import contains_eager

from marketplace.accounts import roles
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.applications.policy import EDITABLE
from marketplace.core import nav, todo
from marketplace.core.request_cache import per_request
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.organisations.models import Membership, Organisation
from marketplace.rounds.models import Round, RoundStatus

S = ApplicationStatus
SHOWN = 10  # the rest is on 我的申报
# Applications on their way, with what happens next (nothing for the group to do now).
UNDER_WAY = (S.SUBMITTED, S.IN_REVIEW, S.WAITLISTED, S.APPROVED, S.AWARDED)


def _next_step(application: Application) -> str:
    return {
        S.DRAFT: _("填写完整后提交申报"),
        S.RETURNED: _("按退回意见修改后重新提交"),
        S.SUBMITTED: _("等待评审；申报截止前可撤回修改"),
        S.IN_REVIEW: _("专家评审中"),
        S.WAITLISTED: _("候补：有资金退回时可能递补"),
        S.APPROVED: _("拟立项，公示中"),
        S.AWARDED: _("已立项，按计划实施"),
    }[application.status]


@per_request
def group_applications(user) -> list[Application]:
    """The user's groups' applications with something due or under way (one statement): the
    ones to submit, soonest deadline first, then the others, latest round first. One more
    than SHOWN, so the page knows there are more."""
    now = utcnow()
    to_submit = and_(Application.status.in_(EDITABLE), Round.status == RoundStatus.OPEN,
                     Round.deadline_at >= now)
    under_way = and_(Application.status.in_(UNDER_WAY), Round.status != RoundStatus.CLOSED)
    stmt = (select(Application)
            .join(Round, Round.id == Application.round_id)
            .join(Organisation, Organisation.id == Application.organisation_id)
            .where(Application.organisation_id.in_(
                       select(Membership.organisation_id).where(Membership.user_id == user.id)),
                   or_(to_submit, under_way))
            .options(contains_eager(Application.round), contains_eager(Application.organisation))
            .order_by(case((to_submit, 0), else_=1), case((to_submit, Round.deadline_at)),
                      Round.id.desc(), Application.id)
            .limit(SHOWN + 1))
    return list(db.session.scalars(stmt))


def _to_do(user) -> list[todo.Todo]:
    applications = group_applications(user)
    rows = []
    for a in applications[:SHOWN]:
        editable = a.status in EDITABLE
        rows.append(todo.Todo(
            f"applications.{a.id}", a.title or _("未命名申报书"),
            # An awarded project's page is the funds domain's (funds.project): the agreement,
            # the payee, the money; named by endpoint, not imported (funds is above).
            url_for("applications.edit" if editable else "funds.project"
                    if a.status == S.AWARDED else "applications.detail", app_id=a.id),
            detail=f"{a.organisation.name} · {a.round.title} · {_next_step(a)}",
            due_at=a.round.deadline_at if editable else None, due_label=_("申报截止"),
            status=a.status))
    if len(applications) > SHOWN:
        rows.append(todo.Todo("applications.more", _("查看全部申报"),
                              url_for("applications.mine")))
    return rows


def waiting_for_the_group(user) -> int:
    """Drafts and returned applications still to submit: the count beside 我的申报."""
    return sum(1 for a in group_applications(user) if a.status in EDITABLE)


todo.register_rows(roles.belongs_to_an_organisation, "applications.mine", _to_do,
                   section="member", order=30)
nav.badge("applications.mine", waiting_for_the_group)
