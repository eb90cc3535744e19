"""Who may see and mark an in-app message: the person it was written for, nobody else (not
even an admin: it is their mail)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.core.policy import ALLOW, Decision, deny
from marketplace.notify.models import Notification


def signed_in(user) -> bool:
    # accounts/roles.py stands above notify; this is the one question notify needs of it.
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_use_inbox(user) -> Decision:
    if not signed_in(user):
        return deny(_l("请先登录。"))
    return ALLOW


def can_open(user, notification: Notification | None) -> Decision:
    if notification is None or not signed_in(user) or notification.user_id != user.id:
        return deny(_l("找不到这条消息。"))
    return ALLOW
