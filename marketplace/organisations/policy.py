from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from marketplace.accounts import roles
from marketplace.accounts.roles import is_signed_in, is_staff
from marketplace.core.policy import ALLOW, Decision, deny
from marketplace.extensions import db
from marketplace.organisations.models import MemberRole, Membership, Organisation


@roles.membership_check
def has_a_membership(user) -> bool:
    """Answers `roles.belongs_to_an_organisation` (`roles.member` in templates)."""
    return is_signed_in(user) and db.session.scalar(
        select(Membership.id).where(Membership.user_id == user.id).limit(1)) is not None


def membership_of(user, organisation: Organisation) -> Membership | None:
    if not is_signed_in(user):
        return None
    for m in organisation.memberships:
        if m.user_id == user.id:
            return m
    return None


def can_view(user, organisation: Organisation) -> Decision:
    if is_staff(user) or membership_of(user, organisation):
        return ALLOW
    return deny(_l("找不到该组织。"))


def can_edit(user, organisation: Organisation) -> Decision:
    m = membership_of(user, organisation)
    if m and m.role == MemberRole.OWNER:
        return ALLOW
    return deny(_l("只有组织负责人可以修改组织信息。"))


can_manage_members = can_edit


def can_invite(user, organisation: Organisation) -> Decision:
    """Invitations are mailed in the organisation's name to an address the inviter typed:
    only once staff have checked who the organisation is."""
    decision = can_manage_members(user, organisation)
    if not decision:
        return decision
    if not organisation.is_verified:
        return deny(_l("组织通过团市委认证后才能邀请成员：邀请邮件以组织的名义发出。"))
    return ALLOW


def eligibility_region(organisation: Organisation) -> str | None:
    """The county eligibility rules read (challenge regions, targeted pools): the one staff
    verified, not the one the group last typed. None until the organisation is verified."""
    return organisation.verified_region


def can_verify(user, organisation: Organisation) -> Decision:
    if not is_staff(user):
        return deny(_l("只有团市委工作人员或系统管理员可以审核组织。"))
    if membership_of(user, organisation):
        return deny(_l("不能审核自己所在的组织。"))
    return ALLOW


def visible_organisations(user) -> Select:
    """The organisations this user may see, as a query to filter further."""
    stmt = select(Organisation)
    if is_staff(user):
        return stmt
    return stmt.join(Membership).where(Membership.user_id == user.id)
