from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.accounts.roles import is_organizer
from marketplace.core.policy import ALLOW, Decision, deny


def can_import(user) -> Decision:
    """Only league staff (organizers, admins included) load past rounds."""
    if is_organizer(user):
        return ALLOW
    return deny(_l("只有团市委工作人员可以导入历史数据。"))


can_export = can_import
