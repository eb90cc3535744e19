"""Matching (一键式对接): what an organisation wants to hear about (its preferences) and the
mails that tell it of a published round or challenge; with the helpers every mail of this
domain uses (a group's members, absolute links) and the check of typed regions."""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.audit.services import record
from marketplace.core.policy import NotAllowed, require
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.notify.services import queue_mail
from marketplace.organisations.models import Membership, Organisation, OrganisationStatus
from marketplace.rounds import policy
from marketplace.rounds.models import (
    DEFAULT_CATEGORIES,
    Challenge,
    MatchingPreference,
    MatchNotice,
    Round,
    RoundStatus,
)


def check_regions(regions: list[str], field_name: str) -> list[str]:
    allowed = current_app.config["REGIONS"]
    unknown = [r for r in regions if r not in allowed]
    if unknown:
        listed = str(_l("、")).join(unknown)
        raise NotAllowed(_l("未知的县区：%(regions)s", regions=listed), field=field_name)
    return [r for r in allowed if r in regions]  # canonical order, no duplicates


def apply_url(round_id: int, challenge_id: int | None = None) -> str:
    """The path that opens a new application (or bid) already tied to the round/challenge."""
    args = {"round_id": round_id}
    if challenge_id is not None:
        args["challenge_id"] = challenge_id
    return url_for("applications.new", **args)


def public_link(url: str) -> str:
    """Absolute link for an e-mail. Outside a request url_for already answers absolute URLs
    (SERVER_NAME), inside one a path: public_url only prefixes paths."""
    return url if url.startswith(("http://", "https://")) else public_url(url)


def _candidates() -> list[tuple[Organisation, MatchingPreference | None]]:
    """Verified organisations with their preferences and members, in three queries."""
    stmt = (select(Organisation, MatchingPreference)
            .outerjoin(MatchingPreference,
                       MatchingPreference.organisation_id == Organisation.id)
            .where(Organisation.status == OrganisationStatus.VERIFIED)
            .options(selectinload(Organisation.memberships).selectinload(Membership.user))
            .order_by(Organisation.id))
    return [(org, pref) for org, pref in db.session.execute(stmt)]


def _already_notified(round_id: int) -> set[tuple[int, str]]:
    rows = db.session.execute(select(MatchNotice.organisation_id, MatchNotice.subject)
                              .where(MatchNotice.round_id == round_id))
    return {(org_id, subject) for org_id, subject in rows}


def members(organisation: Organisation):
    return [m.user for m in organisation.memberships if m.user.is_active]


def notify_round_published(round_: Round) -> int:
    """One mail per matching organisation (to each member): the open call and the
    challenges it may bid on. Stored in MatchNotice, so nobody hears about it twice."""
    done = _already_notified(round_.id)
    notified = 0
    for organisation, preference in _candidates():
        round_new = (policy.matches_round(preference, round_)
                     and (organisation.id, f"round:{round_.id}") not in done)
        challenges = [c for c in round_.challenges
                      if c.published_at is not None
                      and (organisation.id, f"challenge:{c.id}") not in done
                      and policy.matches_challenge(preference, c, organisation)]
        if not round_new and not challenges:
            continue
        if round_new:
            db.session.add(MatchNotice(organisation_id=organisation.id, round_id=round_.id,
                                       subject=f"round:{round_.id}"))
        for challenge in challenges:
            db.session.add(MatchNotice(organisation_id=organisation.id, round_id=round_.id,
                                       challenge_id=challenge.id,
                                       subject=f"challenge:{challenge.id}"))
        links = [(c, public_link(apply_url(round_.id, c.id))) for c in challenges]
        for user in members(organisation):
            queue_mail(user.email, "rounds/round_published", user.locale, user=user, round=round_,
                       organisation=organisation,
                       apply_link=public_link(apply_url(round_.id)) if round_new else None,
                       challenges=links,
                       link=public_link(url_for("rounds.detail", round_id=round_.id)))
        notified += 1
    return notified


def notify_challenge_published(challenge: Challenge) -> int:
    round_ = challenge.round
    done = _already_notified(round_.id)
    subject = f"challenge:{challenge.id}"
    notified = 0
    for organisation, preference in _candidates():
        if (organisation.id, subject) in done:
            continue
        if not policy.matches_challenge(preference, challenge, organisation):
            continue
        db.session.add(MatchNotice(organisation_id=organisation.id, round_id=round_.id,
                                   challenge_id=challenge.id, subject=subject))
        link = public_link(apply_url(round_.id, challenge.id))
        for user in members(organisation):
            queue_mail(user.email, "rounds/challenge_published", user.locale, user=user,
                       round=round_, challenge=challenge, organisation=organisation,
                       link=link)
        notified += 1
    return notified


def preference_for(organisation: Organisation) -> MatchingPreference | None:
    return db.session.scalar(select(MatchingPreference).where(
        MatchingPreference.organisation_id == organisation.id))


def known_categories() -> list[str]:
    """Categories one may prefer: the defaults and those of every published round."""
    seen = list(DEFAULT_CATEGORIES)
    for categories in db.session.scalars(select(Round.categories).where(
            Round.status != RoundStatus.DRAFT)):
        seen.extend(c for c in categories or [] if c not in seen)
    return seen


def set_matching_preference(actor, organisation: Organisation, categories: list[str],
                            regions: list[str]) -> MatchingPreference:
    require(policy.can_set_preferences(actor, organisation))
    known = known_categories()
    unknown = [c for c in categories if c not in known]
    if unknown:
        listed = str(_l("、")).join(unknown)
        raise NotAllowed(_l("未知的项目类别：%(c)s", c=listed), field="categories")
    regions = check_regions(list(regions), "regions")
    preference = preference_for(organisation)
    before = None
    if preference is None:
        preference = MatchingPreference(organisation_id=organisation.id)
        db.session.add(preference)
    else:
        before = {"categories": preference.categories, "regions": preference.regions}
    preference.categories = [c for c in known if c in categories]
    preference.regions = regions
    preference.updated_by_id = actor.id
    record("matching_preference.set", preference, actor=actor, before=before,
           after={"organisation_id": organisation.id, "categories": preference.categories,
                  "regions": preference.regions})
    return preference
