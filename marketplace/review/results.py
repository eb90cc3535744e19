"""Results: each application's score by the round's method, and the ranking table
(评审汇总表) per pool, with the running total of what would be committed: the pool's
committed money (from the ledger) and, down the ranking, the requests still open."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.applications.models import Application, ApplicationStatus
from marketplace.extensions import db
from marketplace.funds.balances import balance
from marketplace.funds.models import LIVE_AWARD_STATUSES, Award
from marketplace.review import scoring
from marketplace.review.decisions import REVIEWED_STATUSES
from marketplace.review.models import AssignmentStatus, Review, ReviewAssignment, ReviewStatus
from marketplace.review.rules import settings_for
from marketplace.rounds.models import Pool, Round

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
        """What approving down to this row adds to the pool's commitments: its request while
        still open (an award is committed already, wherever it ranks)."""
        if self.award is None and self.application.status in IN_CONTENTION:
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


def _ranked(round_: Round, pool: Pool) -> list[RankingRow]:
    """The pool's applications in review or decided, best score first, ranked."""
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
        Award.round_id == round_.id, Award.status.in_(LIVE_AWARD_STATUSES)))}
    rows = [RankingRow(application=a, score=scores.get(a.id), totals=sorted(totals[a.id]),
                       done=len(totals[a.id]), assigned=assigned.get(a.id, 0),
                       disagreement=scoring.disagrees(totals[a.id],
                                                      settings.disagreement_points),
                       award=awards.get(a.id))
            for a in applications]
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.application.id))
    for position, row in enumerate(rows, start=1):
        row.rank = position if row.score is not None else None
    return rows


def ranking(round_: Round, pool: Pool) -> list[RankingRow]:
    """The ranking with money: each row's running total is the pool's committed money (the
    ledger's) plus the open requests down to it, its remainder what the pool would have left
    if those were approved."""
    rows = _ranked(round_, pool)
    pool_balance = balance(Pool, pool.id)
    running = pool_balance.committed
    for row in rows:
        running += row.would_commit
        row.running_total = running
        row.remainder = pool_balance.amount - running
    return rows


def waitlist(round_: Round) -> list[RankingRow]:
    """候补名单: waitlisted applications of the round, best score first, per pool order."""
    rows = [row for pool in round_.pools for row in _ranked(round_, pool)
            if row.application.status == ApplicationStatus.WAITLISTED]
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.application.id))
    return rows
