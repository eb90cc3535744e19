from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import Role
from marketplace.core.policy import ALLOW, Decision, deny


def can_import(user) -> Decision:
    """Only league staff (organizers) load past rounds."""
    if user and user.is_authenticated and user.has_role(Role.ORGANIZER):
        return ALLOW
    return deny(_l("只有团市委工作人员可以导入历史数据。"))


can_export = can_import
