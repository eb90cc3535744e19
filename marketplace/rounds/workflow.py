"""Lifecycles of the rounds domain as tables (core.workflow): the round (创投集市) and the
challenge invitation (派单).

A round is drafted and published here; the review domain adds its moves (open → reviewing →
公示 → delivery). Imported history arrives closed.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import User
from marketplace.core.urls import public_url
from marketplace.core.workflow import Transition, Workflow
from marketplace.extensions import db
from marketplace.notify.services import queue_mail
from marketplace.rounds import policy
from marketplace.rounds.matching import notify_round_published
from marketplace.rounds.models import ChallengeInvitation, InvitationAnswer, Round, RoundStatus

R = RoundStatus

# Delivery is as far as a round goes until payments, reports and acceptance (later issues)
# bring delivery → closed; closed rounds are the imported history's.
ROUND = Workflow("round", RoundStatus, initial={R.DRAFT, R.CLOSED},
                 final={R.DELIVERY, R.CLOSED})


def _announce(actor, round_: Round, **context) -> None:
    """一键式对接: matching verified organisations hear of the open call and its challenges."""
    notify_round_published(round_)


def _publishes(actor, round_: Round, **context):
    return policy.can_publish(actor, round_)


ROUND.add(
    Transition(R.DRAFT, R.OPEN, "round.publish", _publishes, label=_l("发布"), mail=_announce,
               endpoint="rounds.publish", confirm=_l("发布后将通知匹配的组织，确定发布吗？")),
)


A = InvitationAnswer

CHALLENGE_INVITATION = Workflow("challenge_invitation", InvitationAnswer, initial={A.PENDING},
                                final={A.BID, A.DECLINED})


def _mail_answer(actor, invitation: ChallengeInvitation, **context) -> None:
    """The organizer who sent the invitation (else the round's creator) hears the answer."""
    challenge = invitation.challenge
    organizer_id = invitation.invited_by_id or challenge.round.created_by_id
    organizer = db.session.get(User, organizer_id) if organizer_id else None
    if organizer is None or not organizer.is_active:
        return
    queue_mail(organizer.email, "rounds/challenge_invitation_answered", organizer.locale,
               user=organizer, challenge=challenge, round=challenge.round,
               organisation=invitation.organisation,
               bid=invitation.status == InvitationAnswer.BID,
               reason=invitation.decline_reason or "",
               link=public_url(url_for("rounds.challenge", challenge_id=challenge.id)))


CHALLENGE_INVITATION.add(
    Transition(A.PENDING, A.BID, "challenge_invitation.answer", policy.can_answer_invitation,
               label=_l("接受邀请，填写揭榜申报书"), mail=_mail_answer),
    Transition(A.PENDING, A.DECLINED, "challenge_invitation.answer",
               policy.can_answer_invitation, label=_l("婉拒"), mail=_mail_answer,
               confirm=_l("婉拒后不能再接受这个邀请，确定婉拒吗？")),
)
