"""Which pool (资金池) an application goes to, and which pools may take it.

An application goes to the most specific pool it is eligible for: a bid to its challenge's
pool; an open-call project to a targeted pool (定向扶持) whose regions hold its county, else
to the round's general pool. One function (`route_pool`) decides it at start, at every save
and at submission, so the group sees on its form where the project will go, and the
organizer's list and ranking find it in that pool without moving it by hand.

The organizer may still move an application to another pool that admits it, with a reason
(`services.move_to_pool`); routing then leaves it where the organizer put it
(`Application.pool_reason` says why) for as long as that pool admits it.

`pool_admits` is the rule itself, shared with the money side: funds.check_pool_funds refuses
an award from a pool that does not admit the application with the same reasons.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.applications.models import Application
from marketplace.core.policy import ALLOW, Decision, deny
from marketplace.organisations.models import Organisation
from marketplace.organisations.policy import eligibility_region
from marketplace.rounds.models import Challenge, Pool, PoolKind, Round


def funding_region(organisation: Organisation | None,
                   application: Application | None = None) -> str:
    """The county that targeted pools are asked about: as frozen at submission (submitting
    needs a verified organisation, and a county change sends it back to verification, so that
    is a county staff verified), else the organisation's verified county
    (organisations.policy.eligibility_region). The one place that question is asked: when
    eligibility moves to the project's service county, it changes here."""
    snapshot = (application.snapshot if application is not None else None) or {}
    frozen = snapshot.get("organisation") if isinstance(snapshot, dict) else None
    if isinstance(frozen, dict) and frozen.get("region"):
        return str(frozen["region"])
    if organisation is not None:
        return eligibility_region(organisation) or ""
    return application.region if application is not None else ""


def pool_admits(pool: Pool, organisation: Organisation | None, challenge: Challenge | None,
                application: Application | None = None) -> Decision:
    """May `pool` fund a project of `organisation` (a bid on `challenge`, or the open call)?
    A bid only from its own challenge's pool; a challenge's pool only bids on that challenge
    (an open-call project would otherwise take its money without using a slot); a targeted
    pool only organisations in its regions."""
    if challenge is not None:
        if challenge.pool_id is None:
            return deny(_l("命题“%(title)s”还没有资金池，揭榜项目无法立项。",
                           title=challenge.title))
        if pool.id != challenge.pool_id:
            return deny(_l("揭榜项目只能从命题“%(title)s”的资金池立项。", title=challenge.title))
    elif pool.kind == PoolKind.CHALLENGE:
        return deny(_l("命题资金池“%(pool)s”只资助该命题的揭榜项目。", pool=pool.name))
    region = funding_region(organisation, application)
    if pool.kind == PoolKind.TARGETED and not pool.admits_region(region):
        return deny(_l("申报组织所在地（%(region)s）不在定向扶持资金池“%(pool)s”的范围内。",
                       region=region or "—", pool=pool.name))
    return ALLOW


def application_admitted(pool: Pool, application: Application) -> Decision:
    """pool_admits for a saved application."""
    challenge = application.challenge if application.challenge_id else None
    return pool_admits(pool, application.organisation, challenge, application)


# The more specific a pool, the earlier it is chosen.
SPECIFICITY = {PoolKind.CHALLENGE: 0, PoolKind.TARGETED: 1, PoolKind.GENERAL: 2}


def route_pool(round_: Round, organisation: Organisation | None,
               challenge: Challenge | None = None,
               application: Application | None = None) -> Pool | None:
    """The most specific pool of the round that admits the project: the challenge's pool for
    a bid; for the open call a targeted pool of the organisation's county (of several, the
    first made), else the general pool. None when no pool admits it (a round without pools)."""
    if challenge is not None:
        return challenge.pool
    candidates = [p for p in round_.pools if p.kind != PoolKind.CHALLENGE
                  and pool_admits(p, organisation, None, application)]
    return min(candidates, key=lambda p: (SPECIFICITY[p.kind], p.id or 0), default=None)


def routed_pool(application: Application) -> Pool | None:
    """Where the application belongs now: where the organizer put it, while that pool still
    admits it; else where routing sends it."""
    if application.pool_reason and application.pool is not None \
            and application.pool.round_id == application.round_id \
            and application_admitted(application.pool, application):
        return application.pool
    challenge = application.challenge if application.challenge_id else None
    return route_pool(application.round, application.organisation, challenge, application)


def apply_routing(application: Application) -> Pool | None:
    """Route the application (start, save, submission): its pool is the one routed_pool
    names. A pool the organizer chose and that no longer admits it loses its reason."""
    pool = routed_pool(application)
    if application.pool_reason and (pool is None or pool.id != application.pool_id):
        application.pool_reason = None
    application.pool = pool
    application.pool_id = pool.id if pool is not None else None
    return pool
