"""What the audit log calls the actions, objects and fields of organisations, their members
and verification (audit/labels.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.audit import labels
from marketplace.extensions import db
from marketplace.organisations.models import Invitation, Organisation


def _organisations(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Organisation.id, Organisation.name)
                                   .where(Organisation.id.in_(ids))).all())


def _invitations(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Invitation.id, Invitation.email)
                                   .where(Invitation.id.in_(ids))).all())


labels.actions({
    "organisation.create": _l("登记了组织"),
    "organisation.update": _l("修改了组织信息"),
    "organisation.verify": _l("审核通过了组织"),
    "organisation.reject": _l("退回了组织登记"),
    "organisation.identity_changed": _l("因名称或信用代码变更，组织需重新审核"),
    "organisation.invite": _l("邀请成员加入组织"),
    "organisation.join": _l("加入了组织"),
    "organisation.revoke_invitation": _l("撤销了成员邀请"),
    "organisation.remove_member": _l("移除了组织成员"),
    "demo.create_organisation": _l("创建了演示组织"),
})
labels.object_kind("organisation", _l("组织"), names=_organisations)
labels.object_kind("invitation", _l("成员邀请"), names=_invitations)
labels.fields({
    "organisation_id": _l("组织"),
    "uscc": _l("统一社会信用代码"),
    "region": _l("县区"),
    "reason": _l("理由"),
})
