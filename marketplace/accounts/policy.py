from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import User
from marketplace.accounts.roles import is_admin
from marketplace.core.policy import ALLOW, Decision, deny


def can_manage_roles(user) -> Decision:
    return ALLOW if is_admin(user) else deny(_l("只有系统管理员可以管理角色。"))


def can_view_audit_log(user) -> Decision:
    return ALLOW if is_admin(user) else deny(_l("只有系统管理员可以查看审计日志。"))


def can_disable(actor, target: User) -> Decision:
    if not is_admin(actor):
        return deny(_l("只有系统管理员可以停用账号。"))
    if actor.id == target.id:
        return deny(_l("不能停用自己的账号。"))
    return ALLOW


def can_edit_site_pages(user) -> Decision:
    """The privacy policy and terms (隐私政策, 用户协议)."""
    return ALLOW if is_admin(user) else deny(_l("只有系统管理员可以修改隐私政策和用户协议。"))


def sees_full_mobile(viewer, owner: User) -> bool:
    """A mobile number is shown in full to its owner and to admins, masked to everyone else."""
    return is_admin(viewer) or (viewer is not None and getattr(viewer, "id", None) == owner.id)


def can_invite(user) -> Decision:
    """Inviting people by e-mail with a role (an outside expert as a reviewer, …)."""
    return ALLOW if is_admin(user) else deny(_l("只有系统管理员可以邀请用户。"))
