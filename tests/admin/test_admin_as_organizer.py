"""An admin may do all an organizer may (accounts/roles.py; issue 11, point 11): every page an
organizer opens — the 工作台 links and each round's pages in every stage — opens for the admin
too, and the admin makes an organizer's change (creating a round)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import func, select

from marketplace.accounts import roles
from marketplace.accounts.models import Role, User
from marketplace.core import nav
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.rounds import services
from marketplace.rounds.models import Round
from marketplace.rounds.services import RoundData
from tests.conftest import IsolatedClient
from tests.factories import make_user


def _client(app, email: str) -> IsolatedClient:
    client = IsolatedClient(app, app.response_class)
    user = db.session.scalar(select(User).where(User.email == email))
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True
    return client


def _organizer_pages(app) -> list[str]:
    organizer = db.session.scalar(select(User).where(
        User.email == "organizer@demo.example.org"))
    with app.test_request_context():
        pages = [url_for(e.endpoint) for e in nav.entries("staff") if e.visible(organizer)]
        for round_ in db.session.scalars(select(Round).order_by(Round.id)):
            pages += [url_for("rounds.detail", round_id=round_.id),
                      url_for("applications.index", round_id=round_.id),
                      url_for("review.manage_round", round_id=round_.id),
                      url_for("review.ranking", round_id=round_.id),
                      url_for("review.objections", round_id=round_.id)]
    return pages


def test_the_admin_opens_every_page_the_organizer_opens(demo):
    organizer = _client(demo, "organizer@demo.example.org")
    admin = _client(demo, "admin@demo.example.org")
    opened = 0
    for page in _organizer_pages(demo):
        if organizer.get(page).status_code != 200:
            continue  # not an organizer's page in this stage
        opened += 1
        assert admin.get(page).status_code == 200, page
    assert opened >= 10


def test_the_admin_makes_an_organizers_change_and_a_member_may_not(app):
    admin, member = make_user(roles=[Role.ADMIN]), make_user()
    assert roles.is_organizer(admin) and roles.is_staff(admin)
    round_ = services.create_round(admin, RoundData(year=2027, title="2027年创投",
                                                    total_budget=Decimal("100000.00")))
    db.session.commit()
    assert round_.created_by_id == admin.id
    with pytest.raises(NotAllowed):
        services.create_round(member, RoundData(year=2027, title="不行"))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Round.id))) == 1
