"""Decisions on a project: approve (立项决定, money committed from a pool), waitlist, reject,
and the answer to an objection against an approval (dismissed, or upheld: the approval is
withdrawn).

Decisions lock in one order (docs/architecture.md, "Lock order for decisions") and re-read
the application under the lock, so of two overlapping decisions exactly one is made."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.applications.workflow import APPLICATION
from marketplace.core.money import from_fen, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds import services as funds
from marketplace.funds.models import Award, AwardStatus
from marketplace.review import policy
from marketplace.review.models import Objection, ObjectionStatus
from marketplace.review.publicity import list_late_approval
from marketplace.review.workflow import OBJECTION
from marketplace.rounds.models import Pool, Round, RoundStatus

# Applications that take part in review and decisions.
REVIEWED_STATUSES = (ApplicationStatus.IN_REVIEW, ApplicationStatus.REJECTED,
                     ApplicationStatus.WAITLISTED, ApplicationStatus.APPROVED,
                     ApplicationStatus.AWARDED)


DECIDABLE_STATUSES = (ApplicationStatus.IN_REVIEW, ApplicationStatus.WAITLISTED,
                      ApplicationStatus.REJECTED)


def _lock_for_decision(application: Application, pool: Pool | None = None) -> None:
    """Lock for a decision on the application and re-read it and its round. Refused when
    someone else decided on it since it was loaded for this request."""
    seen = application.status
    award = db.session.execute(select(Award.id, Award.pool_id).where(
        Award.application_id == application.id)).first()
    chosen = pool.id if pool is not None and pool.round_id == application.round_id else None
    funds.lock_in_order(
        application.round_id,
        pool_ids=[application.pool_id, chosen, award.pool_id if award else None],
        challenge_ids=[application.challenge_id], award_ids=[award.id if award else None],
        application_ids=[application.id])
    db.session.refresh(application)
    db.session.refresh(application.round)
    if application.status != seen:
        raise NotAllowed(_l("这个项目刚刚已被作出决定，请刷新页面。"))


def _require_decidable(application: Application) -> None:
    """Timing and state of a decision, read under the decision locks."""
    round_ = application.round
    if round_.status not in (RoundStatus.REVIEWING, RoundStatus.PUBLICITY):
        raise NotAllowed(_l("年度项目不在评审或公示阶段，不能作出决定。"))
    if application.status not in DECIDABLE_STATUSES:
        raise NotAllowed(_l("这个项目当前状态为“%(status)s”，不能作出决定。",
                            status=application.status.label))
    if round_.status == RoundStatus.PUBLICITY and application.status != \
            ApplicationStatus.WAITLISTED:
        raise NotAllowed(_l("公示期间只能递补候补项目。"))


def approve_application(actor: User, application: Application, amount: Decimal,
                        pool: Pool | None = None, feedback: str = "",
                        now: datetime | None = None) -> Award:
    """立项决定: an amount (> 0, ≤ requested) committed against the pool (default: the
    application's pool). Refused when the money does not fit (funds.commit_award). A
    waitlisted project approved during the 公示 is listed with an objection period of its own."""
    require(policy.can_decide(actor, application))
    pool = pool or application.pool
    if amount is None or amount <= 0:
        raise NotAllowed(_l("立项金额必须大于零。"), field="amount")
    if to_fen(amount) > application.requested_fen:
        raise NotAllowed(_l("立项金额不能超过申请金额 %(req)s。",
                            req=from_fen(application.requested_fen)), field="amount")
    _lock_for_decision(application, pool)
    _require_decidable(application)
    award = funds.commit_award(actor, application, pool, amount)
    APPLICATION.move(actor, application, ApplicationStatus.APPROVED,
                     audit={"amount": amount, "award_id": award.id})
    application.pool_id = pool.id if pool else application.pool_id
    if feedback.strip():
        application.feedback = feedback.strip()
    if application.round.status == RoundStatus.PUBLICITY:
        list_late_approval(actor, award, application.round, now or utcnow())
    return award


def _decide_without_money(actor: User, application: Application, feedback: str,
                          status: ApplicationStatus) -> None:
    require(policy.can_decide(actor, application))
    feedback = (feedback or "").strip()
    if status == ApplicationStatus.REJECTED and not feedback:
        raise NotAllowed(_l("请填写给申报团队的反馈意见。"), field="feedback")
    _lock_for_decision(application)
    _require_decidable(application)
    if status == application.status == ApplicationStatus.WAITLISTED:
        raise NotAllowed(_l("这个项目已在候补名单上。"))
    APPLICATION.move(actor, application, status, audit={"feedback": feedback})
    if feedback:
        application.feedback = feedback


def reject_application(actor: User, application: Application, feedback: str) -> None:
    _decide_without_money(actor, application, feedback, ApplicationStatus.REJECTED)


def waitlist_application(actor: User, application: Application, feedback: str) -> None:
    _decide_without_money(actor, application, feedback, ApplicationStatus.WAITLISTED)


def _lock_objection(actor: User, objection: Objection, reply: str) -> str:
    """Permission, the reply, the decision locks (for the project objected to), and the
    objection and round re-read under them."""
    require(policy.can_answer_objection(actor, objection))
    reply = (reply or "").strip()
    if not reply:
        raise NotAllowed(_l("请填写答复内容。"), field="reply")
    if objection.status != ObjectionStatus.OPEN:
        raise NotAllowed(_l("这条异议已经答复。"))
    if objection.application is not None:
        _lock_for_decision(objection.application)
    else:
        funds.lock_in_order(objection.round_id)
    db.session.refresh(objection)
    if objection.status != ObjectionStatus.OPEN:
        raise NotAllowed(_l("这条异议刚刚已被答复，请刷新页面。"))
    round_ = db.session.get(Round, objection.round_id)
    db.session.refresh(round_)
    if round_.status != RoundStatus.PUBLICITY:
        raise NotAllowed(_l("年度项目不在公示阶段，不能再答复异议。"))
    return reply


def dismiss_objection(actor: User, objection: Objection, reply: str) -> None:
    reply = _lock_objection(actor, objection, reply)
    objection.reply = reply
    objection.answered_at = utcnow()
    objection.answered_by_id = actor.id
    OBJECTION.move(actor, objection, ObjectionStatus.DISMISSED, audit={"reply": reply})


def uphold_objection(actor: User, objection: Objection, reply: str) -> None:
    """The approval is withdrawn: award withdrawn, DECOMMIT entry, money back to the pool.
    The next on the waiting list may then be approved (approve_application)."""
    reply = _lock_objection(actor, objection, reply)
    application = objection.application
    award = None if application is None else db.session.scalar(
        select(Award).where(Award.application_id == application.id)
        .execution_options(populate_existing=True))
    if award is None or award.status != AwardStatus.APPROVED:
        raise NotAllowed(_l("这个项目没有待公示的立项，无法撤销。"))
    funds.decommit_award(actor, award, f"异议成立：{reply}")
    objection.reply = reply
    objection.answered_at = utcnow()
    objection.answered_by_id = actor.id
    OBJECTION.move(actor, objection, ObjectionStatus.UPHELD,
                   audit={"reply": reply, "award_id": award.id})
    APPLICATION.move(actor, application, ApplicationStatus.REJECTED)
    application.feedback = reply
