from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from marketplace.applications import lists
from marketplace.core import nav
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.organisations.models import Membership, Organisation
from marketplace.rounds import invitations as rounds_invitations
from marketplace.rounds import services as rounds_services

bp = Blueprint("public", __name__)

nav.register("public", _l("首页"), "public.home", order=0)


@bp.route("/")
def home():
    my_organisations, my_applications = [], []
    if current_user.is_authenticated:
        my_organisations = db.session.scalars(
            select(Organisation).join(Membership).where(Membership.user_id == current_user.id)
            .order_by(Organisation.name)).all()
    if my_organisations:
        my_applications = lists.needing_action(current_user)
    open_rounds = rounds_services.open_rounds(utcnow())
    invitations = rounds_invitations.pending_invitations(current_user)
    return render_template("public/home.html", open_rounds=open_rounds,
                           my_organisations=my_organisations, my_applications=my_applications,
                           invitations=invitations)


@bp.route("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}
