from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from marketplace.accounts.roles import current_roles
from marketplace.core import nav, todo
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.rounds import services as rounds_services

bp = Blueprint("public", __name__)

nav.register("public", _l("首页"), "public.home", order=0)


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
    return {"open_rounds": rounds_services.open_rounds(utcnow())}


@bp.route("/")
def home():
    return render_template("public/home.html", **_signed_in_home(), **_public_home())


@bp.route("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}
