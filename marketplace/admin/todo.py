"""What administration puts on to-do lists (core/todo.py) and counts in the nav bar: the
organisation verification queue — an organizer's, or an admin's in their own section (an
admin is also an organizer; the queue is listed once) — and, for the admin, the people who
registered this week (who may be waiting for a role)."""
from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts import roles
from marketplace.accounts.models import User
from marketplace.core import nav, todo
from marketplace.core.request_cache import per_request
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.organisations.models import Organisation, OrganisationStatus

NEW_USERS_WITHIN = timedelta(days=7)


@per_request
def organisations_to_verify(user) -> int:
    return int(db.session.scalar(select(func.count(Organisation.id)).where(
        Organisation.status == OrganisationStatus.PENDING)) or 0)


def new_users(user) -> int:
    return int(db.session.scalar(select(func.count(User.id)).where(
        User.created_at >= utcnow() - NEW_USERS_WITHIN)) or 0)


def _organizer_not_admin(user) -> bool:
    return roles.is_organizer(user) and not roles.is_admin(user)


def _verification_queue(tally) -> str:
    return url_for("admin.organisations")


todo.register(_organizer_not_admin, "admin.organisations", _l("待审核的组织"),
              organisations_to_verify, _verification_queue, section="organizer", order=10)
todo.register(roles.is_admin, "admin.organisations_admin", _l("待审核的组织"),
              organisations_to_verify, _verification_queue, section="admin", order=10)
todo.register(roles.is_admin, "admin.new_users", _l("近 7 天新注册的用户"), new_users,
              lambda tally: url_for("admin.users"), section="admin", order=20)
nav.badge("admin.organisations", organisations_to_verify)
