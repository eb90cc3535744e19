"""Invitations with a role: an admin invites a person by e-mail (an outside expert as a
reviewer, a finance officer, an organizer) instead of asking them to register and then
waiting for a role.

The mail carries a signed link (accounts/tokens.py) holding the invitation's id and a random
secret; only the secret's SHA-256 is stored. A link works once, until its expiry, and only
while the invitation is neither accepted nor revoked; sending it again makes a new secret,
so the earlier link stops working. The invitee sets a name and a password and agrees to the
privacy policy and terms, as at registration; a person who already has an account with that
address accepts while signed in as that account and gets the roles.

Each function checks, changes, audits and queues its mail; the caller commits.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from marketplace.accounts import policy, sitepages
from marketplace.accounts.emails import normalise_email
from marketplace.accounts.models import Role, RoleInvitation, RoleInvitationState, User, UserRole
from marketplace.accounts.passwords import password_problem
from marketplace.accounts.services import ACCOUNT_MAILS_PER_ADDRESS_PER_DAY, find_user_by_email
from marketplace.accounts.tokens import make_token, read_token
from marketplace.audit.services import record
from marketplace.core.locks import lock_rows, named_lock
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import utcnow
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.notify.services import queue_mail

INVITATION_VALID_FOR = timedelta(days=7)
MAIL = "accounts/invitation"
PURPOSE = "invitation"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(invitation: RoleInvitation, now: datetime) -> str:
    """A fresh secret for the invitation, valid from `now` (the previous link dies), and the
    token carrying it."""
    secret = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(secret)
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_VALID_FOR
    db.session.flush()  # the id the token names
    return make_token(PURPOSE, {"id": invitation.id, "s": secret})


def _new_link(invitation: RoleInvitation, now: datetime) -> str:
    return public_url(url_for("accounts.accept_invitation",
                              token=new_token(invitation, now)))


def _mail(invitation: RoleInvitation, link: str, inviter: User) -> None:
    """Mail only (in_app=False): a secret link has no place in a list shown after login. The
    address gets a few a day at most, like the other account mails. In the account's
    language, else the site's (Chinese), whatever language the admin reads."""
    existing = find_user_by_email(invitation.email)
    queued = queue_mail(invitation.email, MAIL, existing.locale if existing else None,
                        in_app=False, daily_cap=ACCOUNT_MAILS_PER_ADDRESS_PER_DAY, link=link,
                        roles=invitation.role_list, inviter=inviter.name,
                        days=INVITATION_VALID_FOR.days, has_account=existing is not None)
    if queued is None:
        raise NotAllowed(_l("今天已向这个邮箱发送了太多邮件，请明天再试。"), field="email")


def pending_for(email: str, now: datetime) -> RoleInvitation | None:
    return db.session.scalar(select(RoleInvitation).where(
        RoleInvitation.email == email, RoleInvitation.accepted_at.is_(None),
        RoleInvitation.revoked_at.is_(None), RoleInvitation.expires_at > now))


def invite(actor: User, email: str, roles: list[Role], now: datetime | None = None
           ) -> RoleInvitation:
    """Invite `email` to take `roles`; one open invitation per address (send it again instead)."""
    require(policy.can_invite(actor))
    now = now or utcnow()
    email = normalise_email(email)
    roles = sorted({Role(r) for r in roles}, key=list(Role).index)
    if not email:
        raise NotAllowed(_l("请填写邮箱。"), field="email")
    if not roles:
        raise NotAllowed(_l("请至少选择一个角色。"), field="roles")
    # One invitation at a time per address: a double click finds the first one.
    named_lock(f"role_invitation:{email}")
    if pending_for(email, now) is not None:
        raise NotAllowed(_l("这个邮箱已有一份待接受的邀请，可以在下面的列表中重新发送。"),
                         field="email")
    existing = find_user_by_email(email)
    if existing is not None and set(roles) <= existing.role_set:
        raise NotAllowed(_l("这个账号已经拥有所选的全部角色。"), field="roles")
    invitation = RoleInvitation(email=email, roles=[r.value for r in roles],
                                invited_by_id=actor.id, created_at=now, expires_at=now,
                                token_hash="")
    db.session.add(invitation)
    link = _new_link(invitation, now)
    record("invitation.create", invitation, actor=actor,
           after={"email": email, "roles": invitation.roles, "expires_at": invitation.expires_at})
    _mail(invitation, link, actor)
    return invitation


def _locked(invitation: RoleInvitation) -> RoleInvitation:
    lock_rows(RoleInvitation, [invitation.id])
    db.session.refresh(invitation)
    return invitation


def resend(actor: User, invitation: RoleInvitation, now: datetime | None = None) -> None:
    """A new link, valid from now: for a lost mail or an expired link. The old link dies."""
    require(policy.can_invite(actor))
    now = now or utcnow()
    invitation = _locked(invitation)
    state = invitation.state(now)
    if state not in (RoleInvitationState.PENDING, RoleInvitationState.EXPIRED):
        raise NotAllowed(_l("这份邀请%(state)s，不能再发送。", state=state.label))
    before = {"expires_at": invitation.expires_at}
    link = _new_link(invitation, now)
    record("invitation.resend", invitation, actor=actor, before=before,
           after={"expires_at": invitation.expires_at})
    _mail(invitation, link, actor)


def revoke(actor: User, invitation: RoleInvitation, now: datetime | None = None) -> None:
    require(policy.can_invite(actor))
    now = now or utcnow()
    invitation = _locked(invitation)
    state = invitation.state(now)
    if state in (RoleInvitationState.ACCEPTED, RoleInvitationState.REVOKED):
        raise NotAllowed(_l("这份邀请%(state)s，不能撤销。", state=state.label))
    invitation.revoked_at = now
    record("invitation.revoke", invitation, actor=actor, before={"state": state.value},
           after={"state": RoleInvitationState.REVOKED.value})


# --- the invitee's side ---------------------------------------------------------------------

LINK_REFUSED = _l("邀请链接无效、已使用、已撤销或已过期，请联系系统管理员重新发送。")


def invitation_for_token(token: str, now: datetime | None = None) -> RoleInvitation:
    """The pending invitation the link is for, else NotAllowed (forged, for something else,
    replaced by a newer link, used, revoked or expired)."""
    now = now or utcnow()
    data = read_token(PURPOSE, token, max_age=int(INVITATION_VALID_FOR.total_seconds()) + 60)
    if not isinstance(data, dict) or not isinstance(data.get("id"), int) \
            or not isinstance(data.get("s"), str):
        raise NotAllowed(LINK_REFUSED)
    invitation = db.session.get(RoleInvitation, data["id"])
    if invitation is None or not secrets.compare_digest(invitation.token_hash,
                                                        _hash(data["s"])):
        raise NotAllowed(LINK_REFUSED)
    if invitation.state(now) != RoleInvitationState.PENDING:
        raise NotAllowed(LINK_REFUSED)
    return invitation


def _grant(invitation: RoleInvitation, user: User, now: datetime) -> None:
    before = sorted(r.value for r in user.role_set)
    for role in invitation.role_list:
        if role not in user.role_set:
            user.roles.append(UserRole(role=role, granted_by_id=invitation.invited_by_id,
                                       granted_at=now))
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    record("invitation.accept", invitation, actor=user,
           before={"roles": before},
           after={"roles": sorted(r.value for r in user.role_set), "user_id": user.id})


def accept_as_new_account(token: str, name: str, password: str, *, agreed: bool,
                          locale: str = "zh_CN", now: datetime | None = None) -> User:
    """The invitee has no account: it is made with the invited address (the link proves the
    mailbox, so it is confirmed), the name and password given, and the roles."""
    now = now or utcnow()
    invitation = _locked(invitation_for_token(token, now))
    invitation_for_token(token, now)  # again, under the lock: a second click finds it used
    if not agreed:
        raise NotAllowed(_l("请阅读并同意隐私政策和用户协议。"), field="agree")
    if find_user_by_email(invitation.email) is not None:
        raise NotAllowed(_l("这个邮箱已经有账号了，请先登录再接受邀请。"))
    name = (name or "").strip()
    if not name:
        raise NotAllowed(_l("请填写姓名。"), field="name")
    problem = password_problem(password, invitation.email)
    if problem:
        raise NotAllowed(problem, field="password")
    user = User(email=invitation.email, name=name, password_hash=generate_password_hash(password),
                locale=locale, email_confirmed_at=now, created_at=now)
    db.session.add(user)
    record("user.register", user, actor=user, after={"email": user.email, "name": user.name,
                                                     "invitation_id": invitation.id})
    sitepages.record_consent(user, now)
    _grant(invitation, user, now)
    return user


def accept_as_signed_in(actor: User, token: str, now: datetime | None = None
                        ) -> RoleInvitation:
    """The invitee already has an account and is signed in as it: it gets the roles."""
    now = now or utcnow()
    invitation = _locked(invitation_for_token(token, now))
    invitation_for_token(token, now)
    if actor.email != invitation.email:
        raise NotAllowed(_l("这份邀请是发给 %(email)s 的，请用那个账号登录后再接受。",
                            email=invitation.email))
    if not actor.is_active:
        raise NotAllowed(_l("该账号已停用，请联系系统管理员。"))
    _grant(invitation, actor, now)
    return invitation
