"""The demo data (`flask seed-demo`) shows every stage a round goes through. The tests read
the `demo` database, seeded once per run."""
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.extensions import db
from marketplace.funds.models import Award, AwardStatus, LedgerEntry, LedgerKind
from marketplace.review import policy
from marketplace.review.models import AssignmentStatus, ReviewAssignment, ReviewStatus
from marketplace.rounds.models import Round, RoundStatus


def _round(status: RoundStatus) -> Round:
    return db.session.scalars(select(Round).where(Round.status == status)
                              .order_by(Round.id.desc())).first()


def test_demo_has_a_round_in_every_stage(demo):
    statuses = set(db.session.scalars(select(Round.status).distinct()))
    assert statuses >= {RoundStatus.DRAFT, RoundStatus.OPEN, RoundStatus.REVIEWING,
                        RoundStatus.PUBLICITY, RoundStatus.DELIVERY, RoundStatus.CLOSED}


def test_demo_reviewers_have_submitted_draft_and_unstarted_work_in_the_round_in_review(demo):
    round_ = _round(RoundStatus.REVIEWING)
    assert not policy.is_blind(round_.id)
    for email in ("reviewer1@demo.example.org", "reviewer2@demo.example.org"):
        reviewer = db.session.scalar(select(User).where(User.email == email))
        assignments = db.session.scalars(select(ReviewAssignment).where(
            ReviewAssignment.round_id == round_.id, ReviewAssignment.reviewer_id == reviewer.id,
            ReviewAssignment.status == AssignmentStatus.ACTIVE)).all()
        states = [a.review.status if a.review else None for a in assignments]
        assert ReviewStatus.SUBMITTED in states, email
        assert ReviewStatus.DRAFT in states, email
        assert None in states, email


def test_demo_round_in_delivery_has_awards_with_commitments(demo):
    round_ = _round(RoundStatus.DELIVERY)
    awards = db.session.scalars(select(Award).where(Award.round_id == round_.id)).all()
    assert awards
    for award in awards:
        assert award.status == AwardStatus.AWARDED
        assert award.awarded_at is not None
        assert award.application.status == ApplicationStatus.AWARDED
        committed = db.session.scalar(select(func.sum(LedgerEntry.amount_fen)).where(
            LedgerEntry.award_id == award.id, LedgerEntry.kind == LedgerKind.COMMIT))
        assert committed == award.amount_fen
    assert db.session.scalar(select(func.count(Application.id)).where(
        Application.round_id == round_.id,
        Application.status == ApplicationStatus.IN_REVIEW)) == 0
