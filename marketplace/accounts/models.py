from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.timeutil import utcnow
from marketplace.extensions import db


class Role(str, enum.Enum):
    """Global roles an admin grants. Membership of an organisation is not a role here."""

    ORGANIZER = "organizer"
    REVIEWER = "reviewer"
    FINANCE = "finance"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str({Role.ORGANIZER: _l("组织方（团市委）"), Role.REVIEWER: _l("评审专家"),
                    Role.FINANCE: _l("财务"), Role.ADMIN: _l("系统管理员")}[self])


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (trim, NFKC, case-fold): uniqueness holds for the normal form.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    name: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    email_confirmed_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Flask-Login identifies a session by this token, not by the id: rotating it
    # (logout, disable, password change) ends every session of the account.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    # Optional, 11 digits; shown masked (138****8000) to all but its owner and admins.
    mobile: Mapped[str] = mapped_column(String(20), default="")

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        foreign_keys="UserRole.user_id",
    )

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.disabled_at is None

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def role_set(self) -> set[Role]:
        return {r.role for r in self.roles}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_set.intersection(roles))

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20,
                                            values_callable=lambda e: [m.value for m in e]))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])


class SitePage(db.Model):
    """A page the admin writes (隐私政策, 用户协议), in Markdown, kept in versions: an edit
    adds the next version, and a consent names the version agreed to."""

    __tablename__ = "site_page"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class Consent(db.Model):
    """A user agreed to a version of a site page, and when (at registration)."""

    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("user_id", "site_page_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    site_page_id: Mapped[int] = mapped_column(ForeignKey("site_page.id"), index=True)
    agreed_at: Mapped[datetime] = mapped_column(default=utcnow)

    page: Mapped[SitePage] = relationship()


class RoleInvitationState(str, enum.Enum):
    """Where an invitation stands, worked out from its timestamps (nothing stores it: expiry
    is a matter of the clock, and accepting or revoking sets its own time once)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return str({RoleInvitationState.PENDING: _l("待接受"),
                    RoleInvitationState.ACCEPTED: _l("已接受"),
                    RoleInvitationState.REVOKED: _l("已撤销"),
                    RoleInvitationState.EXPIRED: _l("已过期")}[self])

    @property
    def tone(self) -> str:
        return {RoleInvitationState.PENDING: "warning", RoleInvitationState.ACCEPTED: "success",
                RoleInvitationState.REVOKED: "secondary",
                RoleInvitationState.EXPIRED: "dark"}[self]


class RoleInvitation(db.Model):
    """An admin invites a person by e-mail to take roles (an outside expert as a reviewer, a
    finance officer, an organizer). The mailed link carries a secret whose hash is stored
    here: sending the link again replaces the secret, so only the latest link works, and
    accepting or revoking ends it."""

    __tablename__ = "role_invitation"
    __table_args__ = (
        CheckConstraint("expires_at > created_at", name="expires_after_created"),
        CheckConstraint("accepted_at IS NULL OR revoked_at IS NULL",
                        name="accepted_or_revoked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalised like an account's address, so the invitation finds the account it is for.
    email: Mapped[str] = mapped_column(String(254), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at: Mapped[datetime | None]

    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id], lazy="raise")
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id],
                                                    lazy="raise")

    @property
    def role_list(self) -> list[Role]:
        return [Role(r) for r in self.roles]

    def state(self, now: datetime) -> RoleInvitationState:
        if self.accepted_at is not None:
            return RoleInvitationState.ACCEPTED
        if self.revoked_at is not None:
            return RoleInvitationState.REVOKED
        if self.expires_at <= now:
            return RoleInvitationState.EXPIRED
        return RoleInvitationState.PENDING
