"""派单: the organizer invites named verified organisations to bid on a challenge; each answers
(揭榜 or declines with a reason), and the organizer hears the answer."""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.audit.services import record
from marketplace.core.locks import lock_rows
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.notify.services import queue_mail
from marketplace.organisations.models import Membership, Organisation
from marketplace.rounds import policy
from marketplace.rounds.matching import members, public_link
from marketplace.rounds.models import (
    Challenge,
    ChallengeInvitation,
    InvitationAnswer,
    Round,
    RoundStatus,
)
from marketplace.rounds.services import lock_round
from marketplace.rounds.workflow import CHALLENGE_INVITATION


def invite_organisations(actor, challenge: Challenge, organisations: list[Organisation],
                         message: str = "", now: datetime | None = None
                         ) -> list[ChallengeInvitation]:
    """Invite named verified organisations to bid; one invitation per organisation (asking
    again changes nothing and sends nothing)."""
    now = now or utcnow()
    require(policy.can_invite(actor, challenge, now))
    if not organisations:
        raise NotAllowed(_l("请选择要邀请的组织。"), field="organisations")
    # One at a time per round, so a double click finds the first click's invitations.
    lock_round(challenge.round_id)
    for organisation in organisations:
        own = policy.can_invite_organisation(actor, organisation)
        if not own:
            raise NotAllowed(own.reason, field="organisations")
        if not organisation.is_verified:
            raise NotAllowed(_l("%(name)s 尚未通过认证，不能邀请。", name=organisation.name),
                             field="organisations")
        admits = policy.challenge_admits(challenge, organisation)
        if not admits:
            raise NotAllowed(f"{organisation.name}：{admits.reason}", field="organisations")
    existing = set(db.session.scalars(select(ChallengeInvitation.organisation_id).where(
        ChallengeInvitation.challenge_id == challenge.id)))
    made = []
    for organisation in organisations:
        if organisation.id in existing:
            continue
        invitation = ChallengeInvitation(challenge=challenge, organisation=organisation,
                                         message=(message or "").strip(),
                                         invited_by_id=actor.id)
        db.session.add(invitation)
        record("challenge.invite", invitation, actor=actor,
               after={"challenge_id": challenge.id, "organisation_id": organisation.id})
        link = public_link(url_for("rounds.invitation", invitation_id=invitation.id))
        for user in members(organisation):
            queue_mail(user.email, "rounds/challenge_invitation", user.locale, user=user,
                       challenge=challenge, round=challenge.round, organisation=organisation,
                       message=invitation.message, link=link)
        made.append(invitation)
    return made


def answer_invitation(actor, invitation: ChallengeInvitation, bid: bool, reason: str = "",
                      now: datetime | None = None) -> ChallengeInvitation:
    """揭榜 (bid) or decline with a reason; the organizer sees the answer on the challenge.
    Giving the same answer again (double click, retry) changes nothing."""
    now = now or utcnow()
    invitation = _lock_invitation(invitation)
    answer = InvitationAnswer.BID if bid else InvitationAnswer.DECLINED
    if invitation.status == answer and policy.membership_of(actor, invitation.organisation):
        return invitation
    require(policy.can_answer_invitation(actor, invitation, now))
    reason = (reason or "").strip()
    if not bid and not reason:
        raise NotAllowed(_l("请填写婉拒的理由。"), field="reason")
    invitation.decline_reason = None if bid else reason
    invitation.answered_at = now
    invitation.answered_by_id = actor.id
    CHALLENGE_INVITATION.move(actor, invitation, answer, now=now,
                              audit={"reason": invitation.decline_reason})
    return invitation


def _lock_invitation(invitation: ChallengeInvitation) -> ChallengeInvitation:
    """Lock the invitation's row and read it again, so two answers at once run one after the
    other."""
    lock_rows(ChallengeInvitation, [invitation.id])
    return db.session.execute(
        select(ChallengeInvitation).where(ChallengeInvitation.id == invitation.id)
        .execution_options(populate_existing=True)).scalar_one()


def pending_invitations(user) -> list[ChallengeInvitation]:
    """Unanswered 派单 invitations for the user's organisations, in open rounds."""
    if not (user and user.is_authenticated):
        return []
    now = utcnow()
    stmt = (select(ChallengeInvitation)
            .join(Membership, Membership.organisation_id == ChallengeInvitation.organisation_id)
            .join(Challenge, Challenge.id == ChallengeInvitation.challenge_id)
            .join(Round, Round.id == Challenge.round_id)
            .where(Membership.user_id == user.id,
                   ChallengeInvitation.status == InvitationAnswer.PENDING,
                   Round.status == RoundStatus.OPEN, Round.deadline_at >= now)
            .options(selectinload(ChallengeInvitation.challenge).selectinload(Challenge.round),
                     selectinload(ChallengeInvitation.organisation))
            .order_by(ChallengeInvitation.created_at))
    return list(db.session.scalars(stmt))
