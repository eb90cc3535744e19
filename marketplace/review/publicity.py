"""公示: the approvals listed publicly for the round's publicity days, objections filed by anyone
while a project's period is open, and the end of the 公示 (立项 of every approval)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.applications.workflow import APPLICATION
from marketplace.audit.services import record
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import format_local, utcnow
from marketplace.core.urls import mail_link
from marketplace.extensions import db
from marketplace.funds import services as funds
from marketplace.funds.models import LIVE_AWARD_STATUSES, Award, AwardStatus
from marketplace.funds.workflow import AWARD
from marketplace.notify.services import queue_mail
from marketplace.review import policy
from marketplace.review.assigning import require_reviewing
from marketplace.review.models import Objection, ObjectionStatus, Publicity, PublicityListing
from marketplace.review.workflow import EMAIL, OBJECTOR_MAILS_PER_ADDRESS_PER_DAY, organizers
from marketplace.rounds.models import Round, RoundStatus
from marketplace.rounds.workflow import ROUND


def publicity_of(round_: Round) -> Publicity | None:
    return db.session.scalar(select(Publicity).where(Publicity.round_id == round_.id))


def approved_awards(round_: Round) -> list[Award]:
    return list(db.session.scalars(
        select(Award).join(Application, Application.id == Award.application_id)
        .where(Award.round_id == round_.id,
               Award.status.in_(LIVE_AWARD_STATUSES))
        .options(selectinload(Award.application).selectinload(Application.organisation),
                 selectinload(Award.pool))
        .order_by(Award.pool_id, Application.title, Award.id)))


def listings(round_: Round) -> dict[int, PublicityListing]:
    """{award_id: listing} of the round's 公示."""
    return {listing.award_id: listing for listing in db.session.scalars(
        select(PublicityListing).join(Publicity, Publicity.id == PublicityListing.publicity_id)
        .where(Publicity.round_id == round_.id))}


def list_late_approval(actor: User, award: Award, round_: Round, now: datetime) -> None:
    """A project approved during the 公示 is public from now (or the 公示's start) for a full
    period of its own: objections to it are accepted until then, and finalising waits."""
    publicity = publicity_of(round_)
    listed_at = max(now, publicity.starts_at)
    listing = PublicityListing(publicity_id=publicity.id, award_id=award.id, listed_at=listed_at,
                               objections_until=listed_at
                               + timedelta(days=round_.publicity_days or 7))
    db.session.add(listing)
    db.session.flush()
    record("publicity.list", award, actor=actor,
           after={"listed_at": listing.listed_at, "objections_until": listing.objections_until})


def publish_publicity(actor: User, round_: Round, starts_at: datetime | None = None,
                      now: datetime | None = None) -> Publicity:
    """reviewing → publicity: approvals are listed publicly for the round's publicity_days."""
    require(policy.can_manage_review(actor, round_))
    now = now or utcnow()
    # Under the round lock: no decision can slip in between the count below and the listing.
    funds.lock_in_order(round_.id)
    db.session.refresh(round_)
    require_reviewing(round_)
    undecided = db.session.scalar(select(func.count(Application.id)).where(
        Application.round_id == round_.id, Application.status == ApplicationStatus.IN_REVIEW))
    if undecided:
        raise NotAllowed(ngettext("还有 %(n)d 个项目没有作出决定。",
                                  "还有 %(n)d 个项目没有作出决定。", undecided, n=undecided))
    awards = approved_awards(round_)
    if not awards:
        raise NotAllowed(_l("还没有拟立项的项目，无法公示。"))
    require(policy.can_list_approvals(actor, round_,
                                      {a.application.organisation_id for a in awards}))
    starts_at = starts_at or now
    if starts_at < now - timedelta(days=1):
        raise NotAllowed(_l("公示开始时间不能早于今天。"), field="starts_at")
    publicity = Publicity(round_id=round_.id, starts_at=starts_at,
                          ends_at=starts_at + timedelta(days=round_.publicity_days or 7),
                          published_at=now, published_by_id=actor.id)
    db.session.add(publicity)
    db.session.flush()
    for award in awards:
        db.session.add(PublicityListing(publicity_id=publicity.id, award_id=award.id,
                                        listed_at=publicity.starts_at,
                                        objections_until=publicity.ends_at))
    ROUND.move(actor, round_, RoundStatus.PUBLICITY,
               audit={"starts_at": starts_at, "ends_at": publicity.ends_at})
    return publicity


@dataclass
class ObjectionData:
    application_id: int | None
    name: str
    contact: str
    text: str


# Receipts mailed to one address per day, however many objections name it: the objection
# form is anonymous, so the address may be someone else's.
RECEIPTS_PER_ADDRESS_PER_DAY = OBJECTOR_MAILS_PER_ADDRESS_PER_DAY


def _open_listing(round_: Round, application_id: int | None) -> PublicityListing | None:
    return db.session.scalar(
        select(PublicityListing).join(Award, Award.id == PublicityListing.award_id)
        .where(Award.round_id == round_.id, Award.application_id == application_id,
               Award.status == AwardStatus.APPROVED))


def file_objection(round_: Round, data: ObjectionData, ip: str | None = None,
                   now: datetime | None = None) -> Objection:
    """Anyone may object to a listed project while its 公示 period is open."""
    now = now or utcnow()
    publicity = publicity_of(round_)
    if round_.status != RoundStatus.PUBLICITY or publicity is None \
            or publicity.finalised_at is not None:
        raise NotAllowed(_l("不在公示期内，不能提出异议。"))
    listing = _open_listing(round_, data.application_id)
    if listing is None:
        raise NotAllowed(_l("请选择公示名单中的项目。"), field="application_id")
    if not listing.is_open_at(now):
        raise NotAllowed(_l("不在公示期内，不能提出异议。"))
    name, contact, text = (data.name or "").strip(), (data.contact or "").strip(), \
        (data.text or "").strip()
    if not name:
        raise NotAllowed(_l("请填写姓名。"), field="name")
    if not contact:
        raise NotAllowed(_l("请填写联系方式。"), field="contact")
    if len(text) < 10:
        raise NotAllowed(_l("请写明异议的具体内容（至少 10 个字）。"), field="text")
    objection = Objection(round_id=round_.id, application_id=data.application_id,
                          name=name[:60], contact=contact[:120], text=text[:5000], ip=ip,
                          created_at=now)
    db.session.add(objection)
    db.session.flush()
    record("objection.file", objection, actor=None,
           after={"application_id": data.application_id})
    if EMAIL.match(objection.contact):
        _mail_receipt(objection, round_)
    link = mail_link("review.objections", round_id=round_.id)
    group = objection.application.organisation_id if objection.application else None
    for organizer in organizers(outside={group} - {None}):
        queue_mail(organizer.email, "review/objection_filed", organizer.locale, objection=objection,
                   round=round_, link=link)
    return objection


def _mail_receipt(objection: Objection, round_: Round) -> None:
    """A neutral receipt: the address was typed by whoever filed the objection and is not
    confirmed, so the mail carries nothing they chose (no name, no text, no title) — only the
    reference and the 公示 page — and an address gets only a few a day."""
    queue_mail(objection.contact, "review/objection_received", None,
               daily_cap=RECEIPTS_PER_ADDRESS_PER_DAY, reference=objection.reference,
               link=mail_link("review.publicity", round_id=round_.id))


def open_objection_count(round_: Round) -> int:
    """Objections to the round's 公示 not yet answered (one statement)."""
    return int(db.session.scalar(select(func.count(Objection.id)).where(
        Objection.round_id == round_.id, Objection.status == ObjectionStatus.OPEN)) or 0)


def objections_end(round_: Round, publicity: Publicity) -> datetime:
    """When the last listed project's objection period ends (late approvals run longer)."""
    ends = [listing.objections_until for listing in db.session.scalars(
        select(PublicityListing).join(Award, Award.id == PublicityListing.award_id)
        .where(PublicityListing.publicity_id == publicity.id,
               Award.status == AwardStatus.APPROVED))]
    return max([publicity.ends_at, *ends])


def finalise_round(actor: User, round_: Round, now: datetime | None = None) -> int:
    """After the 公示, every objection answered: approvals become awards (立项), the round
    moves to delivery, every applicant is e-mailed the decision with the feedback."""
    require(policy.can_manage_review(actor, round_))
    now = now or utcnow()
    # The round first, as every decision: a double click finalises once, and no decision or
    # answer can run alongside. The awards and applications it changes are locked after it.
    funds.lock_in_order(round_.id)
    db.session.refresh(round_)
    publicity = publicity_of(round_)
    if round_.status != RoundStatus.PUBLICITY or publicity is None:
        raise NotAllowed(_l("年度项目不在公示阶段。"))
    awards = db.session.scalars(
        select(Award).where(Award.round_id == round_.id, Award.status == AwardStatus.APPROVED)
        .options(selectinload(Award.application))
        .execution_options(populate_existing=True).order_by(Award.id)).all()
    require(policy.can_list_approvals(actor, round_,
                                      {a.application.organisation_id for a in awards}))
    end = objections_end(round_, publicity)
    if now <= end:
        raise NotAllowed(_l("公示期到 %(end)s 结束，之后才能确认立项。",
                            end=format_local(end)))
    open_objections = open_objection_count(round_)
    if open_objections:
        raise NotAllowed(ngettext("还有 %(n)d 条异议没有答复。", "还有 %(n)d 条异议没有答复。",
                                  open_objections, n=open_objections))
    waitlisted = db.session.scalars(select(Application).where(
        Application.round_id == round_.id,
        Application.status == ApplicationStatus.WAITLISTED)
        .execution_options(populate_existing=True).order_by(Application.id)).all()
    funds.lock_in_order(round_.id, pool_ids=[a.pool_id for a in awards],
                        challenge_ids=[a.application.challenge_id for a in awards],
                        award_ids=[a.id for a in awards],
                        application_ids=[a.application_id for a in awards]
                        + [a.id for a in waitlisted])
    awarded = 0
    for award in awards:
        award.awarded_at = now
        AWARD.move(actor, award, AwardStatus.AWARDED, audit={"awarded_at": now})
        APPLICATION.move(actor, award.application, ApplicationStatus.AWARDED)
        awarded += 1
    # Projects still waiting were not funded: the end of the 公示 closes them (its check is
    # can_list_approvals above), also one of a group the organizer belongs to, which they
    # could not decide on one by one.
    APPLICATION.move_all(actor, waitlisted, ApplicationStatus.REJECTED, check=False,
                         audit={"round_finalised": True})
    publicity.finalised_at = now
    publicity.finalised_by_id = actor.id
    # Its mail hook tells every applicant in review the decision (review.workflow).
    ROUND.move(actor, round_, RoundStatus.DELIVERY, audit={"awarded": awarded})
    return awarded
