"""Results: each application's score by the round's method, and the ranking table
(评审汇总表) per pool, with the running total of what would be committed."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.money import from_fen
from marketplace.extensions import db
from marketplace.funds.models import Award, AwardStatus
from marketplace.review import scoring
from marketplace.review.models import AssignmentStatus, Review, ReviewAssignment, ReviewStatus
from marketplace.review.services import REVIEWED_STATUSES, settings_for
from marketplace.rounds.models import Pool, Round

LIVE = (AwardStatus.APPROVED, AwardStatus.AWARDED)
IN_CONTENTION = (ApplicationStatus.IN_REVIEW, ApplicationStatus.WAITLISTED)


@dataclass
class RankingRow:
    application: Application
    score: Decimal | None
    totals: list[Decimal] = field(default_factory=list)
    done: int = 0
    assigned: int = 0
    disagreement: bool = False
    award: Award | None = None
    rank: int | None = None
    running_total: Decimal = Decimal("0.00")
    remainder: Decimal = Decimal("0.00")

    @property
    def would_commit(self) -> Decimal:
        """What this row adds to the pool: its award, or its request while still open."""
        if self.award is not None:
            return self.award.amount
        if self.application.status in IN_CONTENTION:
            return self.application.requested
        return Decimal("0.00")


def submitted_reviews(round_id: int) -> list[tuple[int, int, Decimal]]:
    """(reviewer_id, application_id, total) of every submitted review in the round."""
    rows = db.session.execute(
        select(Review.reviewer_id, Review.application_id, Review.total)
        .join(ReviewAssignment, ReviewAssignment.id == Review.assignment_id)
        .where(ReviewAssignment.round_id == round_id,
               ReviewAssignment.status == AssignmentStatus.ACTIVE,
               Review.status == ReviewStatus.SUBMITTED))
    return [(r, a, Decimal(t)) for r, a, t in rows]


def ranking(round_: Round, pool: Pool) -> list[RankingRow]:
    settings = settings_for(round_)
    reviews = submitted_reviews(round_.id)
    scores = scoring.application_scores(settings.scoring_method.value, reviews)
    totals: dict[int, list[Decimal]] = defaultdict(list)
    for _, application_id, total in reviews:
        totals[application_id].append(total)
    assigned = dict(db.session.execute(
        select(ReviewAssignment.application_id, func.count(ReviewAssignment.id))
        .where(ReviewAssignment.round_id == round_.id,
               ReviewAssignment.status == AssignmentStatus.ACTIVE)
        .group_by(ReviewAssignment.application_id)).all())
    applications = db.session.scalars(select(Application).where(
        Application.round_id == round_.id, Application.pool_id == pool.id,
        Application.status.in_(REVIEWED_STATUSES))
        .options(selectinload(Application.organisation))).all()
    awards = {a.application_id: a for a in db.session.scalars(select(Award).where(
        Award.round_id == round_.id, Award.status.in_(LIVE)))}
    rows = [RankingRow(application=a, score=scores.get(a.id), totals=sorted(totals[a.id]),
                       done=len(totals[a.id]), assigned=assigned.get(a.id, 0),
                       disagreement=scoring.disagrees(totals[a.id],
                                                      settings.disagreement_points),
                       award=awards.get(a.id))
            for a in applications]
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.application.id))
    running = Decimal("0.00")
    for position, row in enumerate(rows, start=1):
        row.rank = position if row.score is not None else None
        running += row.would_commit
        row.running_total = running
        row.remainder = from_fen(pool.amount_fen) - running
    return rows


def waitlist(round_: Round) -> list[RankingRow]:
    """候补名单: waitlisted applications of the round, best score first, per pool order."""
    rows = [row for pool in round_.pools for row in ranking(round_, pool)
            if row.application.status == ApplicationStatus.WAITLISTED]
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.application.id))
    return rows
