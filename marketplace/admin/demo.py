"""Demo: invitations with a role on the admin's invitations page — one waiting for an
outside expert, one accepted (the expert now reviews), one revoked — and so their entries in
the audit log. Found by e-mail, so running it again adds nothing."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace.accounts import invitations
from marketplace.accounts.models import Role, RoleInvitation
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db

ORDER = 50

WAITING = "expert@demo.example.org"
ACCEPTED = "expert2@demo.example.org"
REVOKED = "old-finance@demo.example.org"


def seed(context: dict) -> dict:
    admin = context["users"]["admin@demo.example.org"]
    done = set(db.session.scalars(select(RoleInvitation.email).where(
        RoleInvitation.email.in_([WAITING, ACCEPTED, REVOKED]))))
    now = utcnow().replace(microsecond=0)
    made = 0
    if ACCEPTED not in done:
        invitation = invitations.invite(admin, ACCEPTED, [Role.REVIEWER],
                                        now=now - timedelta(days=3))
        token = invitations.new_token(invitation, now - timedelta(days=3))
        invitations.accept_as_new_account(token, "外部专家 孙老师", "demo-expert-2026-sun",
                                          agreed=True, now=now - timedelta(days=2))
        made += 1
    if REVOKED not in done:
        invitation = invitations.invite(admin, REVOKED, [Role.FINANCE],
                                        now=now - timedelta(days=1))
        invitations.revoke(admin, invitation, now=now - timedelta(hours=20))
        made += 1
    if WAITING not in done:
        invitations.invite(admin, WAITING, [Role.REVIEWER], now=now)
        made += 1
    created = dict(context.get("created", {}))
    created["role invitations"] = made
    return {"created": created}
