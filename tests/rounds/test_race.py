"""Pools never sum to more than the budget, even when two organizers add pools at once, and
a double click invites, answers, extends or deletes once (a row lock on the round or the
invitation on PostgreSQL; SQLite's write lock)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEntry
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from marketplace.organisations.models import Organisation
from marketplace.rounds import challenges, invitations, pools, services
from marketplace.rounds.models import (
    Challenge,
    ChallengeInvitation,
    Pool,
    PoolKind,
    Round,
    RoundStatus,
)
from tests.concurrency import race
from tests.factories import (
    make_application,
    make_challenge,
    make_organisation,
    make_pool,
    make_round,
    make_user,
)
from tests.rounds.helpers import organizer

M = 4


def test_parallel_pools_never_exceed_the_budget(app):
    round_ = make_round(status=RoundStatus.DRAFT, general_pool=False,
                        total_budget_fen=100_000_000)  # room for one pool of 600,000
    round_id, staff_id = round_.id, organizer().id
    db.session.remove()

    def add_pool(n: int, start) -> None:
        round_ = db.session.get(Round, round_id)
        staff = db.session.get(User, staff_id)
        start()
        pools.create_pool(staff, round_, f"定向{n}", PoolKind.TARGETED,
                             Decimal("600000.00"), ["岱山县"])

    results = race(app, M, add_pool)

    assert results == ["ok"] + ["refused"] * (M - 1), results
    pooled = db.session.scalar(select(func.sum(Pool.amount_fen)).where(Pool.round_id == round_id))
    assert pooled == 60_000_000


# --- double clicks ----------------------------------------------------------------------------

def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_double_clicked_invitation_invites_and_mails_once(app):
    challenge = make_challenge(make_round())
    org_id, challenge_id, staff_id = make_organisation().id, challenge.id, organizer().id
    db.session.remove()

    def invite(n: int, start) -> None:
        challenge = db.session.get(Challenge, challenge_id)
        organisation = db.session.get(Organisation, org_id)
        staff = db.session.get(User, staff_id)
        _ = challenge.round, challenge.pool, organisation.memberships
        start()
        invitations.invite_organisations(staff, challenge, [organisation], "欢迎揭榜")

    results = race(app, M, invite)

    assert results == ["ok"] * M, results
    assert _count(ChallengeInvitation) == 1
    assert _count(OutboxMessage, OutboxMessage.template == "rounds/challenge_invitation") == 1


def test_a_double_clicked_answer_is_recorded_and_mailed_once(app):
    challenge = make_challenge(make_round())
    member = make_user()
    org = make_organisation(member)
    [invitation] = invitations.invite_organisations(organizer(), challenge, [org])
    db.session.commit()
    invitation_id, member_id = invitation.id, member.id
    mailed = _count(OutboxMessage)
    db.session.remove()

    def answer(n: int, start) -> None:
        invitation = db.session.get(ChallengeInvitation, invitation_id)
        user = db.session.get(User, member_id)
        _ = invitation.organisation.memberships, invitation.challenge.round
        start()
        invitations.answer_invitation(user, invitation, bid=True)

    results = race(app, M, answer)

    assert results == ["ok"] * M, results
    assert _count(AuditEntry, AuditEntry.action == "challenge_invitation.answer") == 1
    assert _count(OutboxMessage) == mailed + 1


def test_a_double_clicked_extension_is_recorded_and_mailed_once(app):
    now = utcnow().replace(microsecond=0)
    round_ = make_round(deadline_at=now - timedelta(hours=1),
                        review_ends_at=now + timedelta(days=10))
    make_application(round_, make_organisation())
    round_id, staff_id = round_.id, organizer().id
    new = now + timedelta(days=2)
    db.session.remove()

    def extend(n: int, start) -> None:
        round_ = db.session.get(Round, round_id)
        staff = db.session.get(User, staff_id)
        start()
        assert services.extend_deadline(staff, round_, new, "台风") == 1

    results = race(app, M, extend)

    assert results == ["ok"] * M, results
    assert _count(AuditEntry, AuditEntry.action == "round.extend_deadline") == 1
    assert _count(OutboxMessage, OutboxMessage.template == "rounds/deadline_extended") == 1


@pytest.mark.parametrize("what", ["pool", "challenge"])
def test_a_double_clicked_delete_deletes_once(app, what):
    round_ = make_round(status=RoundStatus.DRAFT)
    made = make_pool(round_) if what == "pool" else make_challenge(round_)
    model, made_id, staff_id = type(made), made.id, organizer().id
    db.session.remove()

    def delete(n: int, start) -> None:
        obj = db.session.get(model, made_id)
        staff = db.session.get(User, staff_id)
        _ = obj.round.pools, obj.round.challenges
        start()
        delete_it = pools.delete_pool if what == "pool" else challenges.delete_challenge
        delete_it(staff, obj)

    results = race(app, M, delete)

    assert results == ["ok"] * M, results
    assert _count(model, model.id == made_id) == 0
    assert _count(AuditEntry, AuditEntry.action == f"{what}.delete") == 1
