"""Deleting mistakes: a pool nothing depends on, a challenge nobody has answered yet."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.applications.models import ApplicationStatus
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds.models import LedgerEntry, LedgerKind
from marketplace.review.models import Rubric
from marketplace.rounds import challenges, invitations, pools
from marketplace.rounds.models import (
    Challenge,
    Pool,
    PoolKind,
    RoundStatus,
)
from tests.factories import (
    make_application,
    make_challenge,
    make_organisation,
    make_pool,
    make_round,
    make_user,
)
from tests.rounds.helpers import organizer


def _audit(action: str) -> AuditEntry:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id.desc())).first()


# --- pools --------------------------------------------------------------------------------

def test_an_unused_pool_is_deleted_and_audited_with_its_values(app):
    staff = organizer()
    pool = make_pool(make_round(status=RoundStatus.DRAFT), name="多建的资金池", amount_fen=123_400)
    pool_id = pool.id
    pools.delete_pool(staff, pool)
    db.session.commit()
    assert db.session.get(Pool, pool_id) is None
    entry = _audit("pool.delete")
    assert entry.object_id == pool_id and entry.actor_id == staff.id
    assert entry.before["name"] == "多建的资金池" and entry.before["amount_fen"] == 123_400


def test_a_pool_used_by_a_challenge_is_not_deleted(app):
    round_ = make_round(status=RoundStatus.DRAFT)
    challenge = make_challenge(round_)
    with pytest.raises(NotAllowed) as refusal:
        pools.delete_pool(organizer(), challenge.pool)
    assert "命题" in str(refusal.value.reason)
    assert db.session.get(Pool, challenge.pool_id) is not None


def test_a_pool_an_application_is_filed_under_is_not_deleted(app):
    round_ = make_round(status=RoundStatus.DRAFT)
    pool = make_pool(round_)
    make_application(round_, pool=pool, status=ApplicationStatus.SUBMITTED)
    with pytest.raises(NotAllowed) as refusal:
        pools.delete_pool(organizer(), pool)
    assert "申报书" in str(refusal.value.reason)


def test_a_pool_with_ledger_entries_is_not_deleted(app):
    round_ = make_round(status=RoundStatus.DRAFT)
    pool = make_pool(round_)
    db.session.add(LedgerEntry(round_id=round_.id, pool_id=pool.id, kind=LedgerKind.COMMIT,
                               amount_fen=100))
    db.session.commit()
    with pytest.raises(NotAllowed) as refusal:
        pools.delete_pool(organizer(), pool)
    assert "台账" in str(refusal.value.reason)


def test_only_organizers_delete_pools(app):
    pool = make_pool(make_round(status=RoundStatus.DRAFT))
    with pytest.raises(NotAllowed):
        pools.delete_pool(make_user(), pool)


# --- challenges ---------------------------------------------------------------------------

def test_a_challenge_of_a_draft_round_is_deleted_with_its_own_pool(app):
    staff = organizer()
    challenge = make_challenge(make_round(status=RoundStatus.DRAFT), title="写错的命题")
    challenge_id, pool_id = challenge.id, challenge.pool_id
    challenges.delete_challenge(staff, challenge)
    db.session.commit()
    assert db.session.get(Challenge, challenge_id) is None
    assert db.session.get(Pool, pool_id) is None
    entry = _audit("challenge.delete")
    assert entry.object_id == challenge_id and entry.before["title"] == "写错的命题"
    assert entry.before["pool_id"] == pool_id
    assert _audit("pool.delete").object_id == pool_id


def test_deleting_a_challenge_keeps_a_pool_something_else_uses(app):
    round_ = make_round(status=RoundStatus.DRAFT)
    shared = make_pool(round_, kind=PoolKind.CHALLENGE)
    first = make_challenge(round_, pool=shared)
    make_challenge(round_, pool=shared)
    challenges.delete_challenge(organizer(), first)
    db.session.commit()
    assert db.session.get(Pool, shared.id) is not None


def test_deleting_a_challenge_keeps_a_general_pool(app):
    round_ = make_round(status=RoundStatus.DRAFT)
    general = round_.pools[0]
    challenges.delete_challenge(organizer(), make_challenge(round_, pool=general))
    db.session.commit()
    assert db.session.get(Pool, general.id) is not None


def test_a_challenge_of_a_published_round_is_not_deleted_even_with_only_pending_invitations(app):
    staff = organizer()
    challenge = make_challenge(make_round(status=RoundStatus.OPEN))
    invitations.invite_organisations(staff, challenge, [make_organisation()])
    db.session.commit()
    with pytest.raises(NotAllowed, match="发布后"):
        challenges.delete_challenge(staff, challenge)


def test_a_challenge_with_a_bid_is_not_deleted(app):
    round_ = make_round(status=RoundStatus.DRAFT)
    challenge = make_challenge(round_)
    make_application(round_, challenge=challenge)
    with pytest.raises(NotAllowed) as refusal:
        challenges.delete_challenge(organizer(), challenge)
    assert "揭榜申报" in str(refusal.value.reason)


def test_a_challenge_with_an_answered_invitation_is_not_deleted(app):
    staff = organizer()
    round_ = make_round(status=RoundStatus.OPEN)
    challenge = make_challenge(round_)
    org = make_organisation()
    [invitation] = invitations.invite_organisations(staff, challenge, [org])
    invitations.answer_invitation(org.memberships[0].user, invitation, bid=False, reason="人手不足")
    round_.status = RoundStatus.DRAFT  # even back in draft, an answer is something that depends
    db.session.commit()
    with pytest.raises(NotAllowed) as refusal:
        challenges.delete_challenge(staff, challenge)
    assert "答复" in str(refusal.value.reason)


def test_a_challenge_with_its_own_rubric_is_not_deleted(app):
    round_ = make_round(status=RoundStatus.DRAFT)
    challenge = make_challenge(round_)
    db.session.add(Rubric(round_id=round_.id, challenge_id=challenge.id, name="命题细则"))
    db.session.commit()
    with pytest.raises(NotAllowed) as refusal:
        challenges.delete_challenge(organizer(), challenge)
    assert "评审细则" in str(refusal.value.reason)


def test_only_organizers_delete_challenges(app):
    challenge = make_challenge(make_round(status=RoundStatus.DRAFT))
    with pytest.raises(NotAllowed):
        challenges.delete_challenge(make_user(), challenge)


# --- pages --------------------------------------------------------------------------------

def test_delete_buttons_ask_for_confirmation(app, login_as):
    round_ = make_round(status=RoundStatus.DRAFT)
    challenge = make_challenge(round_)
    spare = make_pool(round_)
    client = login_as(organizer())
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert f'action="/rounds/pools/{spare.id}/delete"' in page
    assert "data-confirm=" in page
    page = client.get(f"/rounds/challenges/{challenge.id}").get_data(as_text=True)
    assert f'action="/rounds/challenges/{challenge.id}/delete"' in page
    assert "data-confirm=" in page


def test_organizer_deletes_a_pool_and_a_challenge_through_the_pages(app, login_as):
    round_ = make_round(status=RoundStatus.DRAFT)
    pool = make_pool(round_)
    challenge = make_challenge(round_)
    pool_id, challenge_id, own_pool_id = pool.id, challenge.id, challenge.pool_id
    client = login_as(organizer())
    response = client.post(f"/rounds/pools/{pool_id}/delete")
    assert response.status_code == 302 and response.location.endswith(f"/rounds/{round_.id}")
    response = client.post(f"/rounds/challenges/{challenge_id}/delete")
    assert response.status_code == 302 and response.location.endswith(f"/rounds/{round_.id}")
    db.session.expire_all()
    assert db.session.get(Pool, pool_id) is None
    assert db.session.get(Challenge, challenge_id) is None
    assert db.session.get(Pool, own_pool_id) is None


def test_a_refused_deletion_says_why_and_changes_nothing(app, login_as):
    round_ = make_round(status=RoundStatus.DRAFT)
    challenge = make_challenge(round_)
    client = login_as(organizer())
    response = client.post(f"/rounds/pools/{challenge.pool_id}/delete", follow_redirects=True)
    assert "有 1 个命题使用这个资金池，不能删除。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Pool, challenge.pool_id) is not None
    assert _audit("pool.delete") is None


def test_deleting_is_404_for_non_organizers(app, login_as):
    round_ = make_round(status=RoundStatus.DRAFT)
    pool = make_pool(round_)
    challenge = make_challenge(round_)
    client = login_as(make_user())
    assert client.post(f"/rounds/pools/{pool.id}/delete").status_code == 404
    assert client.post(f"/rounds/challenges/{challenge.id}/delete").status_code == 404
    db.session.expire_all()
    assert db.session.get(Pool, pool.id) is not None
    assert db.session.get(Challenge, challenge.id) is not None


# --- the 删除 button only where deleting is allowed (issue 11, point 7) ---------------------

def _pool_buttons(client, round_) -> str:
    return client.get(f"/rounds/{round_.id}").get_data(as_text=True)


def test_pool_delete_button_disappears_once_something_depends_on_it(app, login_as):
    round_ = make_round(status=RoundStatus.DRAFT)
    spare, filed, by_challenge = make_pool(round_), make_pool(round_), make_pool(round_)
    make_application(round_, pool=filed, status=ApplicationStatus.SUBMITTED)
    make_challenge(round_, pool=by_challenge)
    page = _pool_buttons(login_as(organizer()), round_)
    assert f'action="/rounds/pools/{spare.id}/delete"' in page
    assert f'action="/rounds/pools/{filed.id}/delete"' not in page
    assert f'action="/rounds/pools/{by_challenge.id}/delete"' not in page


def test_pool_with_ledger_entries_shows_no_delete_button(app, login_as):
    round_ = make_round(status=RoundStatus.DRAFT)
    pool = make_pool(round_)
    db.session.add(LedgerEntry(kind=LedgerKind.COMMIT, round_id=round_.id, pool_id=pool.id,
                               amount_fen=100, imported=True))
    db.session.commit()
    assert f'action="/rounds/pools/{pool.id}/delete"' not in _pool_buttons(
        login_as(organizer()), round_)


@pytest.mark.parametrize("status", [RoundStatus.OPEN, RoundStatus.REVIEWING])
def test_no_delete_buttons_once_the_round_is_published_and_the_service_refuses(app, login_as,
                                                                                status):
    round_ = make_round(status=status)
    pool = make_pool(round_)
    challenge = make_challenge(round_)
    client = login_as(organizer())
    assert "/delete" not in _pool_buttons(client, round_)
    page = client.get(f"/rounds/challenges/{challenge.id}").get_data(as_text=True)
    assert f'action="/rounds/challenges/{challenge.id}/delete"' not in page
    with pytest.raises(NotAllowed, match="发布后"):
        pools.delete_pool(organizer(), pool)
    db.session.rollback()
    with pytest.raises(NotAllowed, match="发布后"):
        challenges.delete_challenge(organizer(), challenge)


def test_challenge_delete_button_disappears_once_a_bid_is_filed(app, login_as):
    round_ = make_round(status=RoundStatus.DRAFT)
    challenge = make_challenge(round_)
    client = login_as(organizer())
    url = f"/rounds/challenges/{challenge.id}"
    assert f'action="{url}/delete"' in client.get(url).get_data(as_text=True)
    make_application(round_, challenge=challenge, status=ApplicationStatus.SUBMITTED)
    assert f'action="{url}/delete"' not in client.get(url).get_data(as_text=True)
