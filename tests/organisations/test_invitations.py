"""Invitations mail an address the inviter typed, in the organisation's name: only verified
organisations invite, one user and one address get a bounded number of mails a day (counted
in the database, so the limits hold across workers), and asking again for a pending address
sends nothing new within the day."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from marketplace.organisations import services
from marketplace.organisations.models import (
    Invitation,
    InvitationStatus,
    Organisation,
    OrganisationStatus,
)
from tests.concurrency import race
from tests.factories import make_organisation, make_user


def _mails(to: str | None = None) -> int:
    stmt = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.template == "organisations/invitation")
    if to is not None:
        stmt = stmt.where(OutboxMessage.to_address == to)
    return db.session.scalar(stmt)


def _age(invitation: Invitation, hours: float) -> None:
    invitation.sent_at -= timedelta(hours=hours)
    invitation.created_at -= timedelta(hours=hours)
    db.session.commit()


def test_an_unverified_organisation_cannot_invite(app):
    owner = make_user()
    organisation = make_organisation(owner, status=OrganisationStatus.PENDING,
                                     name="请点击链接领取补贴 http://evil.example")
    with pytest.raises(NotAllowed, match="认证"):
        services.invite_member(owner, organisation, "victim@example.org")
    assert _mails() == 0


def test_a_rejected_organisation_cannot_invite(app):
    owner = make_user()
    organisation = make_organisation(owner, status=OrganisationStatus.REJECTED)
    with pytest.raises(NotAllowed, match="认证"):
        services.invite_member(owner, organisation, "victim@example.org")


def test_the_members_page_says_why_an_unverified_organisation_cannot_invite(client, login_as,
                                                                           app):
    owner = make_user()
    organisation = make_organisation(owner, status=OrganisationStatus.PENDING)
    c = login_as(owner)
    html = c.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert "通过团市委认证后才能邀请成员" in html
    assert f'action="/organisations/{organisation.id}/invite"' not in html
    c.post(f"/organisations/{organisation.id}/invite", data={"email": "victim@example.org"})
    assert _mails() == 0


def test_reinviting_a_pending_address_sends_no_second_mail_within_a_day(app):
    owner = make_user()
    organisation = make_organisation(owner)
    services.invite_member(owner, organisation, "friend@example.org")
    db.session.commit()
    with pytest.raises(NotAllowed, match="已向这个邮箱发出邀请") as refusal:
        services.invite_member(owner, organisation, "Friend@example.org")
    assert refusal.value.field == "email"
    db.session.rollback()
    assert _mails("friend@example.org") == 1


def test_a_pending_invitation_may_be_sent_again_after_a_day(app):
    owner = make_user()
    organisation = make_organisation(owner)
    first = services.invite_member(owner, organisation, "friend@example.org")
    db.session.commit()
    _age(first, 25)
    again = services.invite_member(owner, organisation, "friend@example.org")
    db.session.commit()
    assert again.id == first.id and again.status == InvitationStatus.PENDING
    assert _mails("friend@example.org") == 2


def test_one_user_sends_a_bounded_number_of_invitations_a_day(app, monkeypatch):
    monkeypatch.setattr(services, "INVITATIONS_PER_INVITER", 3)
    owner = make_user()
    organisation = make_organisation(owner)
    for n in range(3):
        services.invite_member(owner, organisation, f"friend{n}@example.org")
    db.session.commit()
    with pytest.raises(NotAllowed, match="24 小时内已发出 3 份邀请") as refusal:
        services.invite_member(owner, organisation, "one-more@example.org")
    assert refusal.value.field == "email"
    db.session.rollback()
    assert _mails() == 3


def test_the_inviter_limit_counts_every_organisation_of_the_user(app, monkeypatch):
    monkeypatch.setattr(services, "INVITATIONS_PER_INVITER", 2)
    owner = make_user()
    first, second = make_organisation(owner), make_organisation(owner)
    services.invite_member(owner, first, "a@example.org")
    services.invite_member(owner, second, "b@example.org")
    db.session.commit()
    with pytest.raises(NotAllowed, match="24 小时内"):
        services.invite_member(owner, second, "c@example.org")


def test_the_inviter_limit_frees_up_after_a_day(app, monkeypatch):
    monkeypatch.setattr(services, "INVITATIONS_PER_INVITER", 1)
    owner = make_user()
    organisation = make_organisation(owner)
    _age(services.invite_member(owner, organisation, "a@example.org"), 25)
    services.invite_member(owner, organisation, "b@example.org")


def test_revoking_and_inviting_again_still_counts_every_mail(app):
    owner = make_user()
    organisation = make_organisation(owner)
    limit = services.INVITATIONS_PER_ADDRESS
    for _ in range(limit):
        invitation = services.invite_member(owner, organisation, "victim@example.org")
        services.revoke_invitation(owner, invitation)
        db.session.commit()
    with pytest.raises(NotAllowed, match="邀请过多"):
        services.invite_member(owner, organisation, "victim@example.org")
    db.session.rollback()
    assert _mails("victim@example.org") == limit


def test_one_address_receives_a_bounded_number_of_invitations_a_day(app):
    """From every organisation together: many verified groups cannot flood one mailbox."""
    limit = services.INVITATIONS_PER_ADDRESS
    for _ in range(limit):
        owner = make_user()
        services.invite_member(owner, make_organisation(owner), "popular@example.org")
        db.session.commit()
    owner = make_user()
    with pytest.raises(NotAllowed, match="这个邮箱近期收到的邀请过多") as refusal:
        services.invite_member(owner, make_organisation(owner), "popular@example.org")
    assert refusal.value.field == "email"
    db.session.rollback()
    assert _mails("popular@example.org") == limit


def test_a_refused_invitation_keeps_the_address_and_says_why(client, login_as, app):
    owner = make_user()
    organisation = make_organisation(owner)
    c = login_as(owner)
    c.post(f"/organisations/{organisation.id}/invite", data={"email": "friend@example.org"})
    response = c.post(f"/organisations/{organisation.id}/invite",
                      data={"email": "friend@example.org"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "已向这个邮箱发出邀请" in html
    assert 'value="friend@example.org"' in html
    assert _mails() == 1


def test_a_successful_invitation_redirects_to_the_members_page(client, login_as, app):
    owner = make_user()
    organisation = make_organisation(owner)
    response = login_as(owner).post(f"/organisations/{organisation.id}/invite",
                                    data={"email": "friend@example.org"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organisations/{organisation.id}")
    assert _mails("friend@example.org") == 1


# --- under concurrent requests (PostgreSQL row and advisory locks; SQLite's write lock) ---

def test_parallel_invitations_from_one_user_never_exceed_the_limit(app, monkeypatch):
    monkeypatch.setattr(services, "INVITATIONS_PER_INVITER", 3)
    owner = make_user()
    organisation = make_organisation(owner)
    owner_id, org_id = owner.id, organisation.id
    db.session.remove()

    def invite(i: int, start) -> None:
        actor = db.session.get(User, owner_id)
        org = db.session.get(Organisation, org_id)
        start()
        services.invite_member(actor, org, f"friend{i}@example.org")

    results = race(app, 6, invite)

    assert results == ["ok"] * 3 + ["refused"] * 3, results
    assert _mails() == 3


def test_parallel_invitations_to_one_address_never_exceed_the_limit(app):
    limit = services.INVITATIONS_PER_ADDRESS
    owners = [make_user() for _ in range(limit + 3)]
    pairs = [(o.id, make_organisation(o).id) for o in owners]
    db.session.remove()

    def invite(i: int, start) -> None:
        actor = db.session.get(User, pairs[i][0])
        org = db.session.get(Organisation, pairs[i][1])
        start()
        services.invite_member(actor, org, "popular@example.org")

    results = race(app, len(pairs), invite)

    assert results == ["ok"] * limit + ["refused"] * 3, results
    assert _mails("popular@example.org") == limit


def test_parallel_reinvitations_of_one_address_send_one_mail(app):
    owner = make_user()
    organisation = make_organisation(owner)
    owner_id, org_id = owner.id, organisation.id
    db.session.remove()

    def invite(i: int, start) -> None:
        actor = db.session.get(User, owner_id)
        org = db.session.get(Organisation, org_id)
        start()
        services.invite_member(actor, org, "friend@example.org")

    results = race(app, 4, invite)

    assert results == ["ok"] + ["refused"] * 3, results
    assert _mails("friend@example.org") == 1
    assert db.session.scalar(select(func.count(Invitation.id))) == 1
