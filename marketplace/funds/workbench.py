"""What waits for finance: releases to approve (oldest first), payments due (released
tranches not yet paid, and tranches planned within the next 30 days), returns expected.
Each list is a fixed number of statements; the counts are one statement (`core.todo.tallies`),
shared by the nav badge and the home page's to-do list."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from marketplace.applications.models import Application
from marketplace.core import todo
from marketplace.core.money import from_fen
from marketplace.core.request_cache import per_request
from marketplace.extensions import db
from marketplace.funds.balances import balances
from marketplace.funds.models import Award, Tranche, TrancheState
from marketplace.funds.payment_models import Payment, ReturnRequest, ReturnStatus, TrancheRelease
from marketplace.organisations.models import Membership

T = TrancheState


def _not_own(user):
    own = select(Membership.organisation_id).where(Membership.user_id == user.id)
    return Application.organisation_id.not_in(own)


def releases_waiting(user) -> list[TrancheRelease]:
    """Requested, not yet approved, oldest first (the user's own requests too: shown, but the
    two-person rule leaves them to a colleague)."""
    return list(db.session.scalars(
        select(TrancheRelease).join(Tranche, Tranche.id == TrancheRelease.tranche_id)
        .join(Award, Award.id == TrancheRelease.award_id)
        .join(Application, Application.id == Award.application_id)
        .options(joinedload(TrancheRelease.tranche), joinedload(TrancheRelease.award)
                 .joinedload(Award.application).joinedload(Application.organisation),
                 joinedload(TrancheRelease.requested_by))
        .where(Tranche.state == T.RELEASE_REQUESTED, _not_own(user))
        .order_by(TrancheRelease.requested_at, TrancheRelease.id)))


def payments_due(until: date | None, round_id: int | None = None,
                 released_only: bool = False) -> list[dict]:
    """Released tranches with money still to pay, and (unless `released_only`) tranches not
    yet released that are planned by `until`; each with what is unpaid."""
    due = Tranche.state == T.RELEASED
    if not released_only and until is not None:
        due = or_(due, (Tranche.state.in_((T.SCHEDULED, T.RELEASABLE, T.RELEASE_REQUESTED))
                        & (Tranche.planned_date <= until)))
    stmt = (select(Tranche).join(Award, Award.id == Tranche.award_id)
            .options(joinedload(Tranche.award).joinedload(Award.application)
                     .joinedload(Application.organisation))
            .where(due).order_by(Tranche.planned_date.is_(None), Tranche.planned_date,
                                 Tranche.id))
    if round_id is not None:
        stmt = stmt.where(Award.round_id == round_id)
    rows = list(db.session.scalars(stmt).unique())
    ids = [t.id for t in rows]
    paid = dict(db.session.execute(select(Payment.tranche_id, func.sum(Payment.amount_fen))
                                   .where(Payment.tranche_id.in_(ids))
                                   .group_by(Payment.tranche_id)).all()) if ids else {}
    released = balances(Tranche, id=ids) if ids else {}
    result = []
    for t in rows:
        paid_fen = int(paid.get(t.id) or 0)
        base = released[t.id].released if t.state == T.RELEASED else t.amount
        result.append({"tranche": t, "paid": from_fen(paid_fen),
                       "unpaid": base - from_fen(paid_fen)})
    return result


def returns_expected() -> list[dict]:
    requests = list(db.session.scalars(
        select(ReturnRequest).options(joinedload(ReturnRequest.award).joinedload(
            Award.application).joinedload(Application.organisation))
        .where(ReturnRequest.status == ReturnStatus.EXPECTED).order_by(ReturnRequest.id)))
    return [{"request": r} for r in requests]


@per_request
def finance_tallies(user) -> dict[str, todo.Tally]:
    return todo.tallies({
        "releases": select(Award.round_id.label("ref"))
        .select_from(TrancheRelease).join(Tranche, Tranche.id == TrancheRelease.tranche_id)
        .join(Award, Award.id == TrancheRelease.award_id)
        .join(Application, Application.id == Award.application_id)
        .where(Tranche.state == T.RELEASE_REQUESTED, _not_own(user)),
        "payments": select(Award.round_id.label("ref")).select_from(Tranche)
        .join(Award, Award.id == Tranche.award_id).where(Tranche.state == T.RELEASED),
        "returns": select(Award.round_id.label("ref")).select_from(ReturnRequest)
        .join(Award, Award.id == ReturnRequest.award_id)
        .where(ReturnRequest.status == ReturnStatus.EXPECTED),
    })


def finance_count(user) -> int:
    return sum(t.count for t in finance_tallies(user).values())
