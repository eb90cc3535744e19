"""The home page: for everyone, this year's figures, the latest 公示 and the rounds taking
applications (templates/public/_public_home.html); for a signed-in person, what waits for
them."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.accounts.roles import current_roles
from marketplace.core import nav, todo
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.review.models import Publicity
from marketplace.rounds import services as rounds_services
from marketplace.stats import services as stats

bp = Blueprint("public", __name__)

nav.register("public", _l("首页"), "public.home", order=0)


def latest_publicity(limit: int = 3) -> list[Publicity]:
    """The latest 公示 published, newest first (with their rounds)."""
    return list(db.session.scalars(
        select(Publicity).options(joinedload(Publicity.round))
        .order_by(Publicity.published_at.desc(), Publicity.id.desc()).limit(limit)))


def year_figures() -> dict | None:
    """This year's figures (数据总览, stats.services.yearly_series): the latest year whose
    money is known; None before any project was ever awarded."""
    known = [y for y in stats.yearly_series() if y["projects"] and not y["in_progress"]]
    if not known:
        return None
    return {**known[-1], "amount": Decimal(known[-1]["amount"])}


def _signed_in_home() -> dict:
    """A signed-in person's to-do list (core/todo.py: what each domain registered for their
    roles), and whether they have no role and no group yet: then the page starts them off
    by registering their group (staff never see that call)."""
    if not current_user.is_authenticated:
        return {"todos": None, "newcomer": False}
    roles = current_roles()
    newcomer = not (roles.organizer or roles.reviewer or roles.finance or roles.admin
                    or roles.member)
    return {"todos": todo.todo_list(current_user._get_current_object()), "newcomer": newcomer}


def _public_home() -> dict:
    """What everyone sees (templates/public/_public_home.html)."""
    return {"open_rounds": rounds_services.open_rounds(utcnow()), "figures": year_figures(),
            "publicities": latest_publicity(), "now": utcnow()}


@bp.route("/")
def home():
    return render_template("public/home.html", **_signed_in_home(), **_public_home())


@bp.route("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}
