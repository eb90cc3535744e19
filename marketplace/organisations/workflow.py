"""Lifecycles of the organisations domain as tables (core.workflow): verification of an
organisation by league staff, and the invitation to join it."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from marketplace.core.policy import ALLOW, deny
from marketplace.core.urls import public_url
from marketplace.core.workflow import Transition, Workflow
from marketplace.notify.services import queue_mail
from marketplace.organisations import policy
from marketplace.organisations.models import (
    Invitation,
    InvitationStatus,
    MemberRole,
    Organisation,
    OrganisationStatus,
)

V = OrganisationStatus

# Verification never ends for good: changing who the organisation is (name, type, USCC,
# county) sends it back to staff, whether it was verified or turned down.
VERIFICATION = Workflow("organisation", OrganisationStatus, initial={V.PENDING})


def _mail_owners(template: str, endpoint: str, **fields: str):
    """The owners hear the outcome; `fields`: {name in the mail: attribute of the organisation}."""

    def mail(actor, organisation: Organisation, **context) -> None:
        link = public_url(url_for(endpoint, org_id=organisation.id))
        extra = {name: getattr(organisation, attribute) for name, attribute in fields.items()}
        for owner in [m.user for m in organisation.memberships if m.role == MemberRole.OWNER]:
            queue_mail(owner.email, template, owner.locale, organisation=organisation,
                       user=owner, link=link, **extra)

    return mail


def _verifies(actor, organisation: Organisation, **context):
    return policy.can_verify(actor, organisation)


def _owns(actor, organisation: Organisation, **context):
    return policy.can_edit(actor, organisation)


_verify = dict(action="organisation.verify", who=_verifies, label=_l("通过认证"),
               endpoint="organisations.verify",
               mail=_mail_owners("organisations/verified", "organisations.detail"))
_reject = dict(action="organisation.reject", who=_verifies, label=_l("不通过"),
               endpoint="organisations.reject",
               mail=_mail_owners("organisations/rejected", "organisations.edit",
                                 reason="review_note"))
_identity_changed = dict(action="organisation.identity_changed", who=_owns)

VERIFICATION.add(
    Transition(V.PENDING, V.VERIFIED, **_verify),
    Transition(V.PENDING, V.REJECTED, **_reject),
    Transition(V.REJECTED, V.VERIFIED, **_verify),
    # Turned down again, with a new reason for the group.
    Transition(V.REJECTED, V.REJECTED, **_reject),
    Transition(V.VERIFIED, V.PENDING, **_identity_changed),
    Transition(V.REJECTED, V.PENDING, **_identity_changed),
)


N = InvitationStatus

INVITATION = Workflow("organisation_invitation", InvitationStatus, initial={N.PENDING},
                      final={N.ACCEPTED, N.REVOKED})


def _invitee(user, invitation: Invitation, **context):
    """The link works only for the account with the address it was sent to."""
    if invitation.email == user.email:
        return ALLOW
    return deny(_l("这份邀请发给了 %(email)s，请用该邮箱的账号登录后再打开链接。",
                   email=invitation.email))


def _manages_members(actor, invitation: Invitation, **context):
    return policy.can_manage_members(actor, invitation.organisation)


INVITATION.add(
    Transition(N.PENDING, N.ACCEPTED, "organisation.join", _invitee, label=_l("接受邀请")),
    Transition(N.PENDING, N.REVOKED, "organisation.revoke_invitation", _manages_members,
               label=_l("撤回邀请")),
)
