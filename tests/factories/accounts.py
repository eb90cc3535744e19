"""Plain functions that make rows with sensible defaults; override what a test is about."""
from __future__ import annotations

import itertools
from functools import lru_cache

from werkzeug.security import generate_password_hash

from marketplace.accounts.models import Role, User, UserRole
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.organisations.models import (
    MemberRole,
    Membership,
    Organisation,
    OrganisationStatus,
    OrganisationType,
)
from marketplace.organisations.uscc import check_character

__all__ = ["PASSWORD", "make_organisation", "make_user", "valid_uscc"]

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # Hashing once keeps the suite fast; the hash is still Werkzeug's default (scrypt).
    return generate_password_hash(PASSWORD)


def valid_uscc(n: int | None = None) -> str:
    """A valid code: '52330900' + a 9-digit serial + its check character."""
    n = next(_seq) if n is None else n
    first17 = f"52330900{n:09d}"
    return first17 + check_character(first17)


def make_user(email: str | None = None, *, roles: list[Role] = (), confirmed: bool = True,
              name: str | None = None, locale: str = "zh_CN", commit: bool = True, **kw) -> User:
    n = next(_seq)
    user = User(email=email or f"user{n}@example.org", name=name or f"用户{n}",
                password_hash=_password_hash(), locale=locale,
                email_confirmed_at=utcnow() if confirmed else None, **kw)
    user.roles = [UserRole(role=r) for r in roles]
    db.session.add(user)
    if commit:
        db.session.commit()
    return user


def make_organisation(owner: User | None = None, *, status=OrganisationStatus.VERIFIED,
                      members: list[User] = (), commit: bool = True, **overrides) -> Organisation:
    n = next(_seq)
    owner = owner or make_user(commit=False)
    fields = dict(name=f"测试志愿服务队{n}", org_type=OrganisationType.VOLUNTEER_TEAM,
                  uscc=valid_uscc(n), region="定海区", contact_name="联系人",
                  contact_phone="13800138000", address="舟山市", introduction="", status=status)
    fields.update(overrides)
    organisation = Organisation(**fields)
    organisation.memberships.append(Membership(user=owner, role=MemberRole.OWNER))
    for member in members:
        organisation.memberships.append(Membership(user=member, role=MemberRole.MEMBER))
    db.session.add(organisation)
    if commit:
        db.session.commit()
    return organisation
