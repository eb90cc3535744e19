"""Concurrent decisions: with room for N awards in a pool, exactly N of M parallel approvals
succeed and the committed sum never exceeds the pool; of two decisions on one application
(approve, reject, waitlist, an objection's answer, finalising) exactly one is made, and an
application is approved iff it has a live award with its commitment (PostgreSQL row locks;
SQLite's write lock)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds.models import Award, AwardStatus, LedgerEntry, LedgerKind
from marketplace.review import decisions as review_decisions
from marketplace.review import publicity
from marketplace.review.models import Objection, ObjectionStatus
from marketplace.rounds.models import Round, RoundStatus
from tests.concurrency import race
from tests.factories import make_application, make_organizer, make_review_round

N, M = 3, 8
AMOUNT = Decimal("10000.00")


def _approve_all_at_once(app, application_ids, organizer_id):
    def approve(i, start):
        application = db.session.get(Application, application_ids[i])
        organizer = db.session.get(User, organizer_id)
        start()
        review_decisions.approve_application(organizer, application, AMOUNT)

    return race(app, len(application_ids), approve)


def test_parallel_approvals_never_exceed_the_pool(app):
    round_ = make_review_round()
    pool = round_.pools[0]
    pool.amount_fen = int(AMOUNT * 100) * N
    db.session.commit()
    organizer = make_organizer()
    ids = [make_application(round_, requested=AMOUNT).id for _ in range(M)]
    pool_id, pool_fen, organizer_id = pool.id, pool.amount_fen, organizer.id
    db.session.remove()

    results = _approve_all_at_once(app, ids, organizer_id)

    assert results == ["ok"] * N + ["refused"] * (M - N), results
    committed = db.session.scalar(select(func.sum(LedgerEntry.amount_fen)).where(
        LedgerEntry.pool_id == pool_id, LedgerEntry.kind == LedgerKind.COMMIT))
    assert committed == pool_fen
    assert db.session.scalar(select(func.count(Award.id))) == N
    approved = db.session.scalar(select(func.count(Application.id)).where(
        Application.status == ApplicationStatus.APPROVED))
    assert approved == N


def test_parallel_approvals_never_exceed_challenge_slots(app):
    from tests.factories import make_challenge

    round_ = make_review_round()
    challenge = make_challenge(round_, slots=2, cap_per_team_fen=10_000_000)
    challenge.pool.amount_fen = 100_000_000
    db.session.commit()
    organizer = make_organizer()
    ids = [make_application(round_, challenge=challenge, requested=AMOUNT).id for _ in range(5)]
    organizer_id = organizer.id
    db.session.remove()

    results = _approve_all_at_once(app, ids, organizer_id)

    assert results == ["ok"] * 2 + ["refused"] * 3, results


# --- two decisions on one application at once ----------------------------------------------

DECISIONS = {
    "approve": lambda application, organizer: review_decisions.approve_application(
        organizer, application, AMOUNT),
    "reject": lambda application, organizer: review_decisions.reject_application(
        organizer, application, "服务对象不够明确"),
    "waitlist": lambda application, organizer: review_decisions.waitlist_application(
        organizer, application, "候补"),
}


def _at_once(app, application_id, organizer_id, decisions):
    def decide(i, start):
        application = db.session.get(Application, application_id)
        organizer = db.session.get(User, organizer_id)
        start()
        decisions[i](application, organizer)

    return race(app, len(decisions), decide)


def _assert_approved_iff_live_award_with_commit(application_id):
    db.session.expire_all()
    application = db.session.get(Application, application_id)
    live = db.session.scalars(select(Award).where(
        Award.application_id == application_id,
        Award.status.in_((AwardStatus.APPROVED, AwardStatus.AWARDED)))).all()
    committed = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
                                  .where(LedgerEntry.kind == LedgerKind.COMMIT,
                                         LedgerEntry.award_id.in_([a.id for a in live])))
    if application.status == ApplicationStatus.APPROVED:
        assert len(live) == 1 and committed == live[0].amount_fen
    else:
        assert live == [] and committed == 0, application.status


@pytest.mark.parametrize("first, second", [("approve", "reject"), ("approve", "waitlist"),
                                           ("reject", "waitlist")])
def test_of_two_overlapping_decisions_exactly_one_is_made(app, first, second):
    application_id = make_application(make_review_round(), requested=AMOUNT).id
    organizer_id = make_organizer().id
    db.session.remove()

    outcomes = _at_once(app, application_id, organizer_id,
                        [DECISIONS[first], DECISIONS[second]])

    assert outcomes == ["ok", "refused"], outcomes
    _assert_approved_iff_live_award_with_commit(application_id)


def test_an_objection_is_either_upheld_or_dismissed_never_both(app):
    organizer = make_organizer()
    round_ = make_review_round()
    application = make_application(round_, requested=AMOUNT)
    review_decisions.approve_application(organizer, application, AMOUNT)
    publicity.publish_publicity(organizer, round_)
    objection = publicity.file_objection(round_, publicity.ObjectionData(
        application.id, "甲", "x", "内容足够长的一条异议文字。"))
    db.session.commit()
    objection_id, application_id, organizer_id = objection.id, application.id, organizer.id
    db.session.remove()

    def answer(i, start):
        objection = db.session.get(Objection, objection_id)
        organizer = db.session.get(User, organizer_id)
        start()
        if i == 0:
            review_decisions.uphold_objection(organizer, objection, "经核实，材料不实。")
        else:
            review_decisions.dismiss_objection(organizer, objection, "经核实，异议不成立。")

    assert race(app, 2, answer) == ["ok", "refused"]
    objection = db.session.get(Objection, objection_id)
    upheld = objection.status == ObjectionStatus.UPHELD
    assert db.session.get(Application, application_id).status == (
        ApplicationStatus.REJECTED if upheld else ApplicationStatus.APPROVED)
    _assert_approved_iff_live_award_with_commit(application_id)


def test_finalising_and_a_late_approval_at_once_never_both_happen(app):
    organizer = make_organizer()
    round_ = make_review_round()
    approved = make_application(round_, requested=AMOUNT)
    waiting = make_application(round_, requested=AMOUNT)
    review_decisions.approve_application(organizer, approved, AMOUNT)
    review_decisions.waitlist_application(organizer, waiting, "候补")
    past = utcnow() - timedelta(days=30)
    publicity.publish_publicity(organizer, round_, starts_at=past, now=past)
    db.session.commit()
    round_id, waiting_id, organizer_id = round_.id, waiting.id, organizer.id
    db.session.remove()

    def act(i, start):
        round_ = db.session.get(Round, round_id)
        waiting = db.session.get(Application, waiting_id)
        organizer = db.session.get(User, organizer_id)
        start()
        if i == 0:
            publicity.finalise_round(organizer, round_)
        else:
            review_decisions.approve_application(organizer, waiting, AMOUNT)

    assert race(app, 2, act) == ["ok", "refused"]
    round_ = db.session.get(Round, round_id)
    waiting = db.session.get(Application, waiting_id)
    if round_.status == RoundStatus.DELIVERY:
        assert waiting.status == ApplicationStatus.REJECTED
    else:
        assert waiting.status == ApplicationStatus.APPROVED
    _assert_approved_iff_live_award_with_commit(waiting_id)
