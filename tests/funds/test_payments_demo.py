"""The demo shows the money after 立项: tranches in every state a demo without a payee can
reach (paid ones come from history, and live once the payee side registers its payees), a
release waiting for finance, a cut; the finance workbench lists them; `funds check` holds;
the tranche panel renders for the group."""
from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.funds import hooks
from marketplace.funds.invariants import violations
from marketplace.funds.models import Award, Tranche, TrancheState
from marketplace.funds.payment_models import TrancheRelease
from tests.conftest import IsolatedClient


def test_the_demo_has_tranches_in_every_state_and_a_release_waiting(demo):
    states = set(db.session.scalars(select(Tranche.state)))
    assert {TrancheState.SCHEDULED, TrancheState.RELEASABLE, TrancheState.RELEASE_REQUESTED,
            TrancheState.RELEASED, TrancheState.PAID, TrancheState.CANCELLED} <= states
    waiting = db.session.scalars(select(TrancheRelease).where(
        TrancheRelease.released_by_id.is_(None))).all()
    assert waiting
    assert violations() == []
    finance = db.session.scalar(select(User).where(User.email == "finance@demo.example.org"))
    client = IsolatedClient(demo, demo.response_class)
    with client.session_transaction() as session:
        session["_user_id"] = finance.session_token
    html = client.get("/funds/workbench").get_data(as_text=True)
    assert waiting[0].award.application.title in html


def test_the_tranche_panel_shows_the_plan_to_the_group(demo):
    award = db.session.scalar(select(Award).join(TrancheRelease,
                                                 TrancheRelease.award_id == Award.id))
    member = award.application.organisation.memberships[0].user
    panel = hooks.PROJECT_PANELS["tranches"]
    with demo.test_request_context():
        built = panel.build(member, award)
        html = render_template(panel.template, panel=built)
        assert panel.build(None, award) is None
    assert 'data-testid="tranches-panel"' in html and 'data-testid="tranche-1"' in html
