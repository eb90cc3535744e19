"""Results: each application's score by the round's method, and the ranking table
(评审汇总表) per pool, with the running total of what would be committed: the pool's
committed money (from the ledger) and, down the ranking, the requests still open.

Only a fully reviewed project is ranked (every active assignment has its submitted review):
a score from some of its experts is not comparable with one from all of them. The others
come after the ranking, unranked, with how many reviews they still miss. Equal scores share
a rank (并列: 1, 2, 2, 4)."""
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
    tied: bool = False  # 并列: another ranked row has the same score (and rank)
    running_total: Decimal | None = Decimal("0.00")  # None for a row that is not ranked
    remainder: Decimal | None = Decimal("0.00")

    @property
    def fully_reviewed(self) -> bool:
        """Every expert assigned (and not recused or removed) has submitted a score."""
        return self.assigned > 0 and self.done >= self.assigned and self.score is not None

    @property
    def missing(self) -> int:
        """Reviews still missing: assigned but not submitted (0 when nobody is assigned:
        `assigned` says so)."""
        return max(self.assigned - self.done, 0)

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
    rows.sort(key=lambda r: (not r.fully_reviewed, r.score is None, -(r.score or 0),
                             r.application.id))
    ranked = [row for row in rows if row.fully_reviewed]
    for position, row in enumerate(ranked, start=1):
        previous = ranked[position - 2] if position > 1 else None
        if previous is not None and previous.score == row.score:
            row.rank = previous.rank
            row.tied = previous.tied = True
        else:
            row.rank = position
    return rows


def ranking(round_: Round, pool: Pool) -> list[RankingRow]:
    """The ranking with money: each ranked row's running total is the pool's committed money
    (the ledger's) plus the open requests down to it, its remainder what the pool would have
    left if those were approved. The rows that are not ranked (not fully reviewed) follow,
    without running total."""
    rows = _ranked(round_, pool)
    pool_balance = balance(Pool, pool.id)
    running = pool_balance.committed
    for row in rows:
        if row.rank is None:  # not ranked: shown apart, not counted down the ranking
            row.running_total = row.remainder = None
            continue
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
