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
from marketplace.audit.services import record
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
    """Timing and state of a decision, read under the decision locks. A project decided
    during review is decided again only by changing the decision (`change_decision`, with a
    reason); during the 公示 a waitlisted one may still be approved (递补)."""
    round_ = application.round
    if round_.status not in (RoundStatus.REVIEWING, RoundStatus.PUBLICITY):
        raise NotAllowed(_l("年度项目不在评审或公示阶段，不能作出决定。"))
    if application.status not in DECIDABLE_STATUSES:
        raise NotAllowed(_l("这个项目当前状态为“%(status)s”，不能作出决定。",
                            status=application.status.label))
    if round_.status == RoundStatus.PUBLICITY and application.status != \
            ApplicationStatus.WAITLISTED:
        raise NotAllowed(_l("公示期间只能递补候补项目。"))
    if round_.status == RoundStatus.REVIEWING and application.status != \
            ApplicationStatus.IN_REVIEW:
        raise NotAllowed(_l("这个项目已经作出决定；如需改变，请使用“更改决定”并写明理由。"))


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


# --- changing or withdrawing a decision before the 公示 -------------------------------------

CHANGEABLE_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.WAITLISTED,
                       ApplicationStatus.REJECTED)
OUTCOMES = {"approve": ApplicationStatus.APPROVED, "waitlist": ApplicationStatus.WAITLISTED,
            "reject": ApplicationStatus.REJECTED}


def _decision_snapshot(application: Application, award: Award | None) -> dict:
    """What the audit log shows of a decision: the outcome, and for an approval its money."""
    live = award is not None and award.status == AwardStatus.APPROVED
    return {"status": application.status,
            "amount": award.amount if live else None,
            "pool_id": award.pool_id if live else None}


def _require_changeable(application: Application) -> Award | None:
    """Timing and state of a change, read under the decision locks: the round still in
    review (once the 公示 is published the list is public and objections take over), the
    project decided. Returns its award (None if it has none)."""
    round_ = application.round
    if round_.status in (RoundStatus.PUBLICITY, RoundStatus.DELIVERY, RoundStatus.CLOSED):
        raise NotAllowed(_l("公示已发布，决定不能再更改或撤回；对拟立项项目的意见请通过异议处理。"))
    if round_.status != RoundStatus.REVIEWING:
        raise NotAllowed(_l("年度项目不在评审阶段，不能更改决定。"))
    if application.status not in CHANGEABLE_STATUSES:
        raise NotAllowed(_l("这个项目还没有作出决定。"))
    return db.session.scalar(select(Award).where(Award.application_id == application.id)
                             .execution_options(populate_existing=True))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed(_l("请填写更改或撤回决定的理由。"), field="reason")
    return reason


def change_decision(actor: User, application: Application, outcome: ApplicationStatus,
                    reason: str, *, amount: Decimal | None = None, pool: Pool | None = None,
                    feedback: str | None = None) -> Award | None:
    """更改决定 before the 公示: another amount or pool for an approval, or another outcome
    (approve ↔ waitlist ↔ reject). The money follows on the ledger — an approval given up is
    de-committed (its award withdrawn), a new approval committed, a changed one de-committed
    and committed again — under the decision locks and the pool's, challenge's and round's
    limits. One audit entry `decision.change` on the application, before → after, with the
    reason; the funds domain records its own entries on the award."""
    require(policy.can_decide(actor, application))
    reason = _reason(reason)
    if outcome not in OUTCOMES.values():
        raise NotAllowed(_l("请选择新的决定。"), field="outcome")
    feedback = (application.feedback or "") if feedback is None else feedback.strip()
    if outcome == ApplicationStatus.APPROVED:
        if amount is None or amount <= 0:
            raise NotAllowed(_l("立项金额必须大于零。"), field="amount")
        if to_fen(amount) > application.requested_fen:
            raise NotAllowed(_l("立项金额不能超过申请金额 %(req)s。",
                                req=from_fen(application.requested_fen)), field="amount")
    if outcome == ApplicationStatus.REJECTED and not feedback:
        raise NotAllowed(_l("请填写给申报团队的反馈意见。"), field="feedback")
    _lock_for_decision(application, pool)
    award = _require_changeable(application)
    source = application.status
    if outcome == source != ApplicationStatus.APPROVED:
        raise NotAllowed(_l("新的决定与原决定相同。"), field="outcome")
    before = _decision_snapshot(application, award)
    live = award is not None and award.status == AwardStatus.APPROVED
    if outcome == ApplicationStatus.APPROVED:
        pool = pool or (award.pool if live else application.pool)
        if live:
            funds.change_award(actor, award, pool, amount, reason)
        else:
            award = funds.commit_award(actor, application, pool, amount)
        application.pool_id = pool.id
    elif live:
        funds.decommit_award(actor, award, f"更改决定：{reason}")
    if outcome == source == ApplicationStatus.APPROVED:
        # The outcome stays: no status moves, the change is the money's.
        record("decision.change", application, actor=actor, before=before,
               after={**_decision_snapshot(application, award), "reason": reason})
    else:
        APPLICATION.move(actor, application, outcome, action="decision.change",
                         audit_before={k: v for k, v in before.items() if k != "status"},
                         audit={**{k: v for k, v in _decision_snapshot(application, award)
                                   .items() if k != "status"}, "reason": reason})
    application.feedback = feedback or application.feedback
    return award


def withdraw_decision(actor: User, application: Application, reason: str) -> None:
    """撤回决定 before the 公示: the project goes back to 评审中, undecided; an approval's
    money returns to its pool (DECOMMIT, the award withdrawn). Audited as
    `decision.withdraw`, before → after, with the reason."""
    require(policy.can_decide(actor, application))
    reason = _reason(reason)
    _lock_for_decision(application)
    award = _require_changeable(application)
    before = _decision_snapshot(application, award)
    if award is not None and award.status == AwardStatus.APPROVED:
        funds.decommit_award(actor, award, f"撤回决定：{reason}")
    APPLICATION.move(actor, application, ApplicationStatus.IN_REVIEW, action="decision.withdraw",
                     audit_before={k: v for k, v in before.items() if k != "status"},
                     audit={"amount": None, "pool_id": None, "reason": reason})
