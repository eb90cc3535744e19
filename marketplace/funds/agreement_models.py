"""The project agreement (项目协议书).

- AgreementText: per round, the text the organizer sets, with fields ({organisation},
  {project}, …; funds/agreements.py FIELDS) filled in per award, the reporting duties and the
  version of the funding rules it cites. Until first saved a round shows the default text
  without storing it. Each save raises `version`.
- Agreement: per award, once the group acts on it. Signed in the app (typed signer's name,
  time, IP address, the SHA-256 of the exact PDF it saw, whose bytes are stored), or through a
  stamped scan the organizer confirms. Once signed nothing of it changes: the workflow
  (funds/agreement_workflow.py) has no move out of `signed`.
"""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models import enum_column
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db


class AgreementText(db.Model):
    __tablename__ = "agreement_text"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"),
                                          primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    duties: Mapped[str] = mapped_column(Text, default="")
    rules_version: Mapped[str] = mapped_column(String(100), default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class AgreementStatus(str, enum.Enum):
    PENDING = "pending"              # waiting for the group
    SCAN_UPLOADED = "scan_uploaded"  # a stamped scan waits for the organizer
    SIGNED = "signed"                # confirmed in the app, or the scan confirmed

    @property
    def label(self) -> str:
        return str({AgreementStatus.PENDING: _l("待签署"),
                    AgreementStatus.SCAN_UPLOADED: _l("盖章扫描件待确认"),
                    AgreementStatus.SIGNED: _l("已签署")}[self])

    @property
    def tone(self) -> str:
        return {AgreementStatus.PENDING: "warning", AgreementStatus.SCAN_UPLOADED: "info",
                AgreementStatus.SIGNED: "success"}[self]


class SigningMethod(str, enum.Enum):
    IN_APP = "in_app"  # confirmed in the app
    SCAN = "scan"      # a stamped scan, confirmed by the organizer

    @property
    def label(self) -> str:
        return str({SigningMethod.IN_APP: _l("在线确认"),
                    SigningMethod.SCAN: _l("盖章扫描件")}[self])


class Agreement(db.Model):
    __tablename__ = "agreement"
    __table_args__ = (
        # A signed agreement has the document it was signed on.
        CheckConstraint("status <> 'signed' OR (pdf_sha256 IS NOT NULL AND pdf IS NOT NULL "
                        "AND signed_at IS NOT NULL AND method IS NOT NULL)",
                        name="signed_has_document"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"),
                                          unique=True)
    status: Mapped[AgreementStatus] = mapped_column(enum_column(AgreementStatus),
                                                    default=AgreementStatus.PENDING, index=True)
    method: Mapped[SigningMethod | None] = mapped_column(enum_column(SigningMethod))
    # The exact document the group saw (in the app) or printed and stamped (the scan).
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    text_version: Mapped[int | None]
    signer_name: Mapped[str | None] = mapped_column(String(60))
    signed_ip: Mapped[str | None] = mapped_column(String(45))
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The stamped scan (stored outside static/ under a random name).
    scan_name: Mapped[str | None] = mapped_column(String(255))
    scan_stored_name: Mapped[str | None] = mapped_column(String(64))
    scan_type: Mapped[str | None] = mapped_column(String(100))
    scan_sha256: Mapped[str | None] = mapped_column(String(64))
    scan_uploaded_at: Mapped[datetime | None]
    scan_uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    award = relationship("Award")
    signed_by = relationship("User", foreign_keys=[signed_by_id])
