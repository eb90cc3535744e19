"""What organisations put on a member's to-do list (core/todo.py): the groups not yet
verified — waiting for the league, or turned down and to be corrected."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts import roles
from marketplace.core import todo
from marketplace.extensions import db
from marketplace.organisations.models import Membership, Organisation, OrganisationStatus


def _not_verified(user) -> list[todo.Todo]:
    organisations = db.session.scalars(
        select(Organisation).join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id,
               Organisation.status != OrganisationStatus.VERIFIED)
        .order_by(Organisation.name, Organisation.id))
    return [todo.Todo(f"organisations.{o.id}", o.name,
                      url_for("organisations.detail", org_id=o.id),
                      detail=_("认证未通过：请按理由修改组织信息，保存后重新审核")
                      if o.status == OrganisationStatus.REJECTED
                      else _("等待团市委认证，认证通过后即可申报"), status=o.status)
            for o in organisations]


todo.register_rows(roles.belongs_to_an_organisation, "organisations.unverified", _not_verified,
                   section="member", order=10)
