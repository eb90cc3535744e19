from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.timeutil import utcnow
from marketplace.extensions import db


def _enum(cls, length=20):
    return Enum(cls, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e])


class OrganisationType(str, enum.Enum):
    SOCIAL_ORG = "social_org"
    UNIVERSITY_TEAM = "university_team"
    VOLUNTEER_TEAM = "volunteer_team"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(ORGANISATION_TYPE_LABELS[self])


ORGANISATION_TYPE_LABELS = {
    OrganisationType.SOCIAL_ORG: _l("社会组织"),
    OrganisationType.UNIVERSITY_TEAM: _l("高校团队"),
    OrganisationType.VOLUNTEER_TEAM: _l("志愿服务队"),
    OrganisationType.OTHER: _l("其他"),
}


class OrganisationStatus(str, enum.Enum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str(ORGANISATION_STATUS_LABELS[self])

    @property
    def tone(self) -> str:
        """Its badge colour, a Bootstrap contextual name (templates/_macros.html status_badge)."""
        return {OrganisationStatus.PENDING: "warning", OrganisationStatus.VERIFIED: "success",
                OrganisationStatus.REJECTED: "danger"}[self]


ORGANISATION_STATUS_LABELS = {
    OrganisationStatus.PENDING: _l("待审核"),
    OrganisationStatus.VERIFIED: _l("已认证"),
    OrganisationStatus.REJECTED: _l("未通过"),
}


class MemberRole(str, enum.Enum):
    OWNER = "owner"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return str(_l("负责人")) if self is MemberRole.OWNER else str(_l("成员"))


def _verified_region_on_insert(context) -> str | None:
    """Organisations created already verified (history import, demo data) were verified with
    the county they were created with."""
    row = context.get_current_parameters()
    return row.get("region") if row.get("status") == OrganisationStatus.VERIFIED else None


class Organisation(db.Model):
    """A volunteer group. Same USCC *and* same name is a duplicate; several university
    teams may share their university's USCC under different names."""

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("uscc", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    org_type: Mapped[OrganisationType] = mapped_column(_enum(OrganisationType))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    region: Mapped[str] = mapped_column(String(40), index=True)
    # The county staff checked when verifying: what eligibility reads
    # (policy.eligibility_region). `region` is what the group last typed; changing it sends
    # the organisation back to verification, and this stays until staff verify again.
    verified_region: Mapped[str | None] = mapped_column(String(40),
                                                        default=_verified_region_on_insert)
    contact_name: Mapped[str] = mapped_column(String(60))
    contact_phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200), default="")
    introduction: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[OrganisationStatus] = mapped_column(
        _enum(OrganisationStatus), default=OrganisationStatus.PENDING, index=True
    )
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    imported: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def is_verified(self) -> bool:
        return self.status == OrganisationStatus.VERIFIED

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"


class Membership(db.Model):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(_enum(MemberRole, 10), default=MemberRole.MEMBER)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    user = relationship("User")


class InvitationStatus(str, enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return str({InvitationStatus.PENDING: _l("已邀请"), InvitationStatus.ACCEPTED: _l("已加入"),
                    InvitationStatus.REVOKED: _l("邀请已撤销")}[self])

    @property
    def tone(self) -> str:
        """Its badge colour, a Bootstrap contextual name (templates/_macros.html status_badge)."""
        return {InvitationStatus.PENDING: "warning", InvitationStatus.ACCEPTED: "success",
                InvitationStatus.REVOKED: "secondary"}[self]


class Invitation(db.Model):
    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    status: Mapped[InvitationStatus] = mapped_column(
        _enum(InvitationStatus, 10), default=InvitationStatus.PENDING)
    # The user who last sent it: the per-inviter limit counts by this and `sent_at`.
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the mail last went out; sent again only after services.INVITATION_WINDOW.
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
