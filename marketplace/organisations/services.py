"""Organisation changes. Each checks, changes, audits and queues mail; the caller commits."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts.emails import normalise_email
from marketplace.accounts.models import User
from marketplace.accounts.phones import MOBILE
from marketplace.accounts.tokens import make_token, read_token
from marketplace.audit.services import record, snapshot
from marketplace.core.locks import lock_rows, named_lock
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import format_local, utcnow
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.notify.services import queue_mail
from marketplace.organisations import policy
from marketplace.organisations.models import (
    Invitation,
    InvitationStatus,
    MemberRole,
    Membership,
    Organisation,
    OrganisationStatus,
    OrganisationType,
)
from marketplace.organisations.uscc import normalise_uscc, uscc_problem
from marketplace.organisations.workflow import INVITATION, VERIFICATION

PROFILE_FIELDS = ["name", "org_type", "uscc", "region", "contact_name", "contact_phone",
                  "address", "introduction", "status"]
# Changing who the organisation *is*, or where it is (challenges and targeted pools are
# limited to counties), sends a verified one back for verification.
IDENTITY_FIELDS = ("name", "org_type", "uscc", "region")

# Invitations mail an address the inviter typed: bounded per inviting user and per address,
# counted from the invitation rows so the limits hold across workers.
INVITATION_WINDOW = timedelta(hours=24)
INVITATIONS_PER_INVITER = 20  # mails one user may cause in the window, all organisations
INVITATIONS_PER_ADDRESS = 3   # mails one address may receive in the window, all organisations


@dataclass
class OrganisationData:
    name: str
    org_type: OrganisationType
    uscc: str
    region: str
    contact_name: str
    contact_phone: str
    address: str = ""
    introduction: str = ""


def uscc_message(code: str) -> str | None:
    """The user-facing reason a USCC is refused, saying what is wrong; None when valid."""
    problem = uscc_problem(code)
    if problem is None:
        return None
    kind, details = problem
    if kind == "length":
        return str(_l("统一社会信用代码应为 18 位，现在是 %(n)d 位。", n=details["length"]))
    if kind == "characters":
        where = str(_l("、")).join(str(_l("%(pos)d（%(ch)s）", pos=pos, ch=ch))
                                  for pos, ch in details["positions"][:5])
        return str(_l("统一社会信用代码含有不允许的字符：第 %(where)s 位（不使用 I、O、Z、S、V）。",
                      where=where))
    return str(_l("统一社会信用代码第 18 位校验码不正确，请核对。"))


def clean_data(data: OrganisationData) -> OrganisationData:
    data.name = unicodedata.normalize("NFKC", data.name).strip()
    data.uscc = normalise_uscc(data.uscc)
    data.contact_phone = re.sub(r"[\s-]", "", data.contact_phone or "")
    message = uscc_message(data.uscc)
    if message:
        raise NotAllowed(message, field="uscc")
    if not MOBILE.match(data.contact_phone):
        raise NotAllowed(_l("请填写 11 位中国大陆手机号码。"), field="contact_phone")
    if data.region not in current_app.config["REGIONS"]:
        raise NotAllowed(_l("请选择所在县区。"), field="region")
    return data


def _refuse_duplicate(data: OrganisationData, exclude_id: int | None = None) -> None:
    stmt = select(Organisation.id).where(Organisation.uscc == data.uscc,
                                         Organisation.name == data.name)
    if exclude_id:
        stmt = stmt.where(Organisation.id != exclude_id)
    if db.session.scalar(stmt):
        raise NotAllowed(_l("已有同名且统一社会信用代码相同的组织，不能重复创建。"), field="name")


def create_organisation(actor: User, data: OrganisationData) -> Organisation:
    data = clean_data(data)
    _refuse_duplicate(data)
    organisation = Organisation(**vars(data), created_by_id=actor.id,
                                status=OrganisationStatus.PENDING)
    organisation.memberships.append(Membership(user_id=actor.id, role=MemberRole.OWNER))
    db.session.add(organisation)
    record("organisation.create", organisation, actor=actor,
           after=snapshot(organisation, PROFILE_FIELDS))
    return organisation


def update_organisation(actor: User, organisation: Organisation,
                        data: OrganisationData) -> Organisation:
    require(policy.can_edit(actor, organisation))
    data = clean_data(data)
    _refuse_duplicate(data, exclude_id=organisation.id)
    before = snapshot(organisation, PROFILE_FIELDS)
    identity_changed = any(getattr(organisation, f) != getattr(data, f) for f in IDENTITY_FIELDS)
    for field, value in vars(data).items():
        setattr(organisation, field, value)
    if identity_changed and organisation.status != OrganisationStatus.PENDING:
        VERIFICATION.move(actor, organisation, OrganisationStatus.PENDING)
        organisation.review_note = None
    record("organisation.update", organisation, actor=actor, before=before,
           after=snapshot(organisation, PROFILE_FIELDS))
    return organisation


def verify_organisation(actor: User, organisation: Organisation) -> None:
    require(VERIFICATION.may(actor, organisation, OrganisationStatus.VERIFIED))
    before_region = organisation.verified_region
    organisation.verified_region = organisation.region
    organisation.review_note = None
    organisation.reviewed_at = utcnow()
    organisation.reviewed_by_id = actor.id
    VERIFICATION.move(actor, organisation, OrganisationStatus.VERIFIED,
                      audit_before={"verified_region": before_region},
                      audit={"verified_region": organisation.verified_region})


def reject_organisation(actor: User, organisation: Organisation, reason: str) -> None:
    require(VERIFICATION.may(actor, organisation, OrganisationStatus.REJECTED))
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed(_l("请填写不通过的理由，组织会收到这条说明。"), field="reason")
    organisation.review_note = reason
    organisation.reviewed_at = utcnow()
    organisation.reviewed_by_id = actor.id
    VERIFICATION.move(actor, organisation, OrganisationStatus.REJECTED, audit={"reason": reason})


def _lock_invitations(actor: User, email: str) -> None:
    """Serialise invitations by the same user or to the same address, so that the counts
    read next cannot change before this request commits."""
    db.session.flush()
    lock_rows(User, [actor.id])
    # No row stands for an address that has never been invited: a lock named after it does.
    named_lock(f"organisation.invite:{email}")


def _invitations_sent_since(since: datetime, *conditions) -> int:
    """Mails sent: a pending invitation is mailed again only after the window, so within
    one window each row stands for at most one mail (revoked and accepted ones count too)."""
    return int(db.session.scalar(select(func.count(Invitation.id))
                                 .where(Invitation.sent_at > since, *conditions)) or 0)


def invite_member(actor: User, organisation: Organisation, email: str,
                  now: datetime | None = None) -> Invitation:
    """Mail `email` a link to join; asking again for a pending address within the window
    sends nothing."""
    require(policy.can_invite(actor, organisation))
    email = normalise_email(email)
    if any(m.user.email == email for m in organisation.memberships):
        raise NotAllowed(_l("这个邮箱的用户已经是成员了。"), field="email")
    now = now or utcnow()
    since = now - INVITATION_WINDOW
    _lock_invitations(actor, email)
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.organisation_id == organisation.id, Invitation.email == email,
        Invitation.status == InvitationStatus.PENDING))
    if invitation is not None and invitation.sent_at > since:
        sent = format_local(invitation.sent_at)
        raise NotAllowed(_l("已向这个邮箱发出邀请（%(time)s），邀请仍然有效；"
                            "24 小时内不再重复发送。", time=sent), field="email")
    if _invitations_sent_since(since, Invitation.invited_by_id == actor.id) \
            >= INVITATIONS_PER_INVITER:
        raise NotAllowed(_l("你在 24 小时内已发出 %(n)d 份邀请，已达上限，请稍后再邀请。",
                            n=INVITATIONS_PER_INVITER), field="email")
    if _invitations_sent_since(since, Invitation.email == email) >= INVITATIONS_PER_ADDRESS:
        raise NotAllowed(_l("这个邮箱近期收到的邀请过多，请 24 小时后再邀请。"), field="email")
    if invitation is None:
        invitation = Invitation(organisation=organisation, email=email)
        db.session.add(invitation)
    invitation.invited_by_id = actor.id
    invitation.sent_at = now
    db.session.flush()  # the link carries the invitation's id
    record("organisation.invite", invitation, actor=actor,
           after={"organisation_id": organisation.id, "email": email})
    invitee = db.session.scalar(select(User).where(User.email == email))
    token = make_token("invite", {"id": invitation.id, "email": email})
    queue_mail(email, "organisations/invitation", invitee.locale if invitee else None,
               organisation=organisation, inviter=actor,
               link=public_url(url_for("organisations.accept_invitation", token=token)))
    return invitation


def invitation_from_token(token: str) -> Invitation:
    data = read_token("invite", token, max_age=60 * 60 * 24 * 14)
    invitation = db.session.get(Invitation, data["id"]) if isinstance(data, dict) else None
    if invitation is None or invitation.email != data.get("email") \
            or invitation.status != InvitationStatus.PENDING:
        raise NotAllowed(_l("邀请链接无效、已使用或已过期。"))
    return invitation


def accept_invitation(user: User, token: str) -> Membership:
    invitation = invitation_from_token(token)
    organisation = invitation.organisation
    INVITATION.move(user, invitation, InvitationStatus.ACCEPTED,
                    audit={"organisation_id": organisation.id, "member": user.email})
    invitation.accepted_at = utcnow()
    membership = policy.membership_of(user, organisation)
    if membership is None:
        membership = Membership(organisation=organisation, user_id=user.id, role=MemberRole.MEMBER)
        db.session.add(membership)
    return membership


def revoke_invitation(actor: User, invitation: Invitation) -> None:
    require(policy.can_manage_members(actor, invitation.organisation))
    if invitation.status == InvitationStatus.PENDING:
        INVITATION.move(actor, invitation, InvitationStatus.REVOKED,
                        audit={"email": invitation.email})


def remove_member(actor: User, organisation: Organisation, membership: Membership) -> None:
    require(policy.can_manage_members(actor, organisation))
    if membership.organisation_id != organisation.id:
        raise NotAllowed(_l("找不到该成员。"))
    if membership.role == MemberRole.OWNER:
        raise NotAllowed(_l("不能移除组织负责人。"))
    email = membership.user.email
    db.session.delete(membership)
    record("organisation.remove_member", organisation, actor=actor, before={"member": email})
