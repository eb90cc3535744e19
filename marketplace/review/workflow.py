"""Lifecycles of review as tables (core.workflow), and the moves review brings to the tables
of the domains below it.

Its own: a reviewer's assignment, the review (reopen is submitted → draft) and the objection
to a project in 公示. Added below: the round's review stages (open → reviewing → 公示 →
delivery), the application's review and decisions (in review → approved / waitlisted /
rejected, approved → rejected when an objection is upheld, approved → awarded at 立项) and the
award's 立项. review.services makes every one of these moves.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import Role, User, UserRole
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.applications.workflow import APPLICATION, members_of
from marketplace.core.policy import ALLOW, deny
from marketplace.core.urls import mail_link
from marketplace.core.workflow import Transition, Workflow
from marketplace.extensions import db
from marketplace.funds.models import Award, AwardStatus
from marketplace.funds.workflow import AWARD
from marketplace.notify.services import queue_mail
from marketplace.organisations.models import MemberRole, Membership
from marketplace.review import policy
from marketplace.review.models import (
    AssignmentStatus,
    Objection,
    ObjectionStatus,
    Review,
    ReviewAssignment,
    ReviewStatus,
)
from marketplace.rounds.models import Round, RoundStatus
from marketplace.rounds.workflow import ROUND

# An objector's contact that is an e-mail address (it may be a phone number): the receipt and
# the answer go there.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Mails to such an address per day and kind: it was typed on an anonymous form, unconfirmed.
OBJECTOR_MAILS_PER_ADDRESS_PER_DAY = 3


def organizers(outside: set[int] = frozenset()) -> list[User]:
    """League staff to tell about something, leaving out members of the organisations in
    `outside`: news about a project's reviewers or objections is not for its own group."""
    query = (select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == Role.ORGANIZER, User.disabled_at.is_(None)))
    if outside:
        query = query.where(~select(Membership.id).where(
            Membership.user_id == User.id,
            Membership.organisation_id.in_(outside)).exists())
    return list(db.session.scalars(query.order_by(User.id)))


# --- the round's review stages ------------------------------------------------------------

def _manages_round(actor, round_: Round, **context):
    return policy.can_manage_review(actor, round_)


def _recipients(application: Application) -> list[User]:
    users = [m.user for m in application.organisation.memberships
             if m.role == MemberRole.OWNER]
    if application.created_by_id:
        creator = db.session.get(User, application.created_by_id)
        if creator is not None and creator not in users:
            users.append(creator)
    return users


def _mail_decisions(actor, round_: Round, **context) -> None:
    """立项: every applicant in review hears the decision on their project, with the feedback."""
    applications = db.session.scalars(select(Application).where(
        Application.round_id == round_.id,
        Application.status.in_((ApplicationStatus.AWARDED, ApplicationStatus.REJECTED)))
        .order_by(Application.id))
    for application in applications:
        award = db.session.scalar(select(Award).where(Award.application_id == application.id))
        for user in _recipients(application):
            queue_mail(user.email, "review/decision", user.locale, user=user,
                       application=application, round=round_,
                       awarded=application.status == ApplicationStatus.AWARDED,
                       amount=award.amount if award and application.status ==
                       ApplicationStatus.AWARDED else None,
                       feedback=application.feedback or "",
                       link=mail_link("applications.detail", app_id=application.id))


R = RoundStatus
ROUND.add(
    Transition(R.OPEN, R.REVIEWING, "round.start_review", _manages_round,
               label=_l("开始评审"), endpoint="review.start",
               confirm=_l("开始评审后不再接受申报，确定吗？")),
    Transition(R.REVIEWING, R.PUBLICITY, "round.publish_publicity", _manages_round,
               label=_l("发布公示"), endpoint="review.publish",
               confirm=_l("发布公示后名单将对外公开，确定吗？")),
    Transition(R.PUBLICITY, R.DELIVERY, "round.finalise", _manages_round,
               label=_l("公示结束，确认立项"), mail=_mail_decisions, endpoint="review.finalise",
               confirm=_l("确认后拟立项项目正式立项并通知所有申报团队，确定吗？")),
)


# --- the application's review and decisions ---------------------------------------------------

def _manages_its_round(actor, application: Application, **context):
    return policy.can_manage_review(actor, application.round)


def _decides(actor, application: Application, **context):
    return policy.can_decide(actor, application)


def _lists_approval(actor, application: Application, **context):
    return policy.can_list_approvals(actor, application.round, {application.organisation_id})


def _mail_screened(actor, application: Application, **context) -> None:
    """The group hears that its application passed screening and is with the experts."""
    link = mail_link("applications.detail", app_id=application.id)
    for user in members_of(application):
        queue_mail(user.email, "review/in_review", user.locale, user=user,
                   application=application, organisation=application.organisation, link=link)


S = ApplicationStatus
_approve = dict(action="application.approve", who=_decides, label=_l("同意立项"))
_waitlist = dict(action="application.waitlist", who=_decides, label=_l("列入候补"))
_reject = dict(action="application.reject", who=_decides, label=_l("不予立项"))
_withdraw_decision = dict(action="decision.withdraw", who=_decides, label=_l("撤回决定"),
                          confirm=_l("撤回后项目回到评审中、尚未决定，拟立项的资金退回资金池。确定撤回吗？"))

APPLICATION.add(
    Transition(S.SUBMITTED, S.IN_REVIEW, "application.start_review", _manages_its_round,
               mail=_mail_screened),
    Transition(S.IN_REVIEW, S.APPROVED, **_approve),
    Transition(S.IN_REVIEW, S.WAITLISTED, **_waitlist),
    Transition(S.IN_REVIEW, S.REJECTED, **_reject),
    # 递补: a waitlisted project approved when money comes back (also during the 公示); at the
    # end of the 公示 the ones still waiting are not funded.
    Transition(S.WAITLISTED, S.APPROVED, **_approve),
    Transition(S.WAITLISTED, S.REJECTED, **_reject),
    # A decision may be revised while the round is in review.
    Transition(S.REJECTED, S.APPROVED, **_approve),
    Transition(S.REJECTED, S.WAITLISTED, **_waitlist),
    Transition(S.REJECTED, S.REJECTED, **_reject),
    Transition(S.APPROVED, S.REJECTED, "application.withdraw_approval", _decides,
               label=_l("异议成立，撤销立项")),
    # 更改决定 / 撤回决定 before the 公示 (decisions.change_decision, withdraw_decision: the
    # service names the audit entry decision.change or decision.withdraw whichever row it
    # takes); once the 公示 is published only objections change an approval.
    Transition(S.APPROVED, S.WAITLISTED, "decision.change", _decides, label=_l("更改决定")),
    Transition(S.APPROVED, S.IN_REVIEW, **_withdraw_decision),
    Transition(S.WAITLISTED, S.IN_REVIEW, **_withdraw_decision),
    Transition(S.REJECTED, S.IN_REVIEW, **_withdraw_decision),
    Transition(S.APPROVED, S.AWARDED, "application.award", _lists_approval),
)


def _lists_award(actor, award: Award, **context):
    return policy.can_list_approvals(actor, award.round, {award.application.organisation_id})


AWARD.add(Transition(AwardStatus.APPROVED, AwardStatus.AWARDED, "award.award", _lists_award))


# --- assignments and reviews ------------------------------------------------------------------

def _assigns(actor, assignment: ReviewAssignment, **context):
    return policy.can_assign_reviewers(actor, assignment.application)


def _own_assignment(actor, assignment: ReviewAssignment, **context):
    """A reviewer recuses themselves (declaring a conflict), nobody else."""
    if actor is None or assignment.reviewer_id != getattr(actor, "id", None):
        return deny(_l("你没有被分配评审这个项目。"))
    return ALLOW


def _mail_recused(actor, assignment: ReviewAssignment, **context) -> None:
    """Staff outside the applying group hear of the recusal, to reassign."""
    application = assignment.application
    link = mail_link("review.manage_round", round_id=application.round_id)
    for organizer in organizers(outside={application.organisation_id}):
        queue_mail(organizer.email, "review/recused", organizer.locale, reviewer=actor,
                   application=application, note=assignment.recusal_note or "", link=link)


def mail_assigned(reviewer: User, round_: Round, count: int, link: str) -> None:
    """The reviewer hears of new assignments in a round, with the review deadline."""
    queue_mail(reviewer.email, "review/assigned", reviewer.locale, reviewer=reviewer,
               round=round_, count=count, link=link)


def _mail_assigned_again(actor, assignment: ReviewAssignment, **context) -> None:
    reviewer = db.session.get(User, assignment.reviewer_id)
    mail_assigned(reviewer, db.session.get(Round, assignment.round_id), 1,
                  mail_link("review.proposal", application_id=assignment.application_id))


A = AssignmentStatus
ASSIGNMENT = Workflow("review_assignment", AssignmentStatus, initial={A.ACTIVE},
                      final={A.RECUSED})
ASSIGNMENT.add(
    Transition(A.ACTIVE, A.RECUSED, "review.recuse", _own_assignment, label=_l("申请回避"),
               mail=_mail_recused,
               confirm=_l("回避后这个项目将从你的评审列表中移除，不能撤销，确定吗？")),
    Transition(A.ACTIVE, A.REMOVED, "review.unassign", _assigns, label=_l("移除")),
    # Assigned again after the organizer removed it; a recusal is never undone.
    Transition(A.REMOVED, A.ACTIVE, "review.assign", _assigns, label=_l("分配"),
               mail=_mail_assigned_again),
)


def _scores(actor, review: Review, **context):
    return policy.can_score(actor, review.assignment.application)


def _reopens(actor, review: Review, **context):
    return policy.can_reopen_review(actor, review)


def _mail_reopened(actor, review: Review, **context) -> None:
    """The reviewer hears why their submitted score was opened again."""
    reviewer = db.session.get(User, review.reviewer_id)
    queue_mail(reviewer.email, "review/reopened", reviewer.locale, reviewer=reviewer,
               reason=review.reopen_reason,
               link=mail_link("review.proposal", application_id=review.application_id))


REVIEW = Workflow("review", ReviewStatus, initial={ReviewStatus.DRAFT})
REVIEW.add(
    Transition(ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, "review.submit", _scores,
               label=_l("提交评分"), confirm=_l("提交后不能再修改，确定提交吗？")),
    Transition(ReviewStatus.SUBMITTED, ReviewStatus.DRAFT, "review.reopen", _reopens,
               label=_l("重新开放"), mail=_mail_reopened),
)


# --- objections -------------------------------------------------------------------------------

def _answers(actor, objection: Objection, **context):
    return policy.can_answer_objection(actor, objection)


def _mail_objection_answered(actor, objection: Objection, **context) -> None:
    """The objector, if they left an e-mail address, hears the outcome: neutral, as the
    receipt (publicity.py): the address is unconfirmed, so the mail carries the reference,
    the outcome and the 公示 page, and nothing anyone typed (not the objection, not the
    answer)."""
    if EMAIL.match(objection.contact or ""):
        queue_mail(objection.contact, "review/objection_answered", None,
                   daily_cap=OBJECTOR_MAILS_PER_ADDRESS_PER_DAY,
                   reference=objection.reference, outcome=objection.status,
                   link=mail_link("review.publicity", round_id=objection.round_id))


OBJECTION = Workflow("objection", ObjectionStatus, initial={ObjectionStatus.OPEN},
                     final={ObjectionStatus.DISMISSED, ObjectionStatus.UPHELD})
OBJECTION.add(
    Transition(ObjectionStatus.OPEN, ObjectionStatus.DISMISSED, "objection.dismiss", _answers,
               label=_l("异议不成立"), mail=_mail_objection_answered,
               confirm=_l("答复提交后不能修改，确定异议不成立吗？")),
    Transition(ObjectionStatus.OPEN, ObjectionStatus.UPHELD, "objection.uphold", _answers,
               label=_l("异议成立，撤销立项"), mail=_mail_objection_answered,
               confirm=_l("异议成立将撤销该项目的立项，资金退回资金池，确定吗？")),
)
