"""What the audit log calls the actions, objects and fields of applications and their attachments
(audit/labels.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.applications.models import Application
from marketplace.audit import labels
from marketplace.extensions import db


def _applications(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Application.id, Application.title)
                                   .where(Application.id.in_(ids))).all())


labels.actions({
    "application.create": _l("新建了申报书"),
    "application.copy": _l("复制了申报书"),
    "application.save": _l("保存了申报书"),
    "application.attach": _l("上传了申报书附件"),
    "application.detach": _l("删除了申报书附件"),
    "application.submit": _l("提交了申报书"),
    "application.return": _l("退回申报书修改"),
    "application.take_back": _l("撤回申报书继续修改"),
    "application.withdraw": _l("撤回了申报"),
    "application.move_pool": _l("调整了申报书的资金池"),
})
labels.object_kind("application", _l("申报书"), names=_applications)
labels.fields({
    "application_id": _l("申报书"),
    "requested_fen": _l("申请金额"),
    "budget_lines": _l("预算明细行数"),
    "themes": _l("主题"),
    "comment": _l("意见"),
    "feedback": _l("反馈"),
})
