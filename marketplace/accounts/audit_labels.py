"""What the audit log calls the actions, objects and fields of accounts, invitations with a
role, the privacy policy and terms (audit/labels.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import Role, RoleInvitation, RoleInvitationState, SitePage, User
from marketplace.audit import labels
from marketplace.extensions import db


def _users(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _invitations(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(RoleInvitation.id, RoleInvitation.email)
                                   .where(RoleInvitation.id.in_(ids))).all())


def _pages(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(SitePage.id, SitePage.title)
                                   .where(SitePage.id.in_(ids))).all())


labels.actions({
    "user.register": _l("注册了账号"),
    "user.confirm_email": _l("确认了邮箱"),
    "user.consent": _l("同意了隐私政策和用户协议"),
    "user.login": _l("登录了"),
    "user.logout": _l("退出了登录"),
    "user.request_password_reset": _l("申请了重置密码"),
    "user.reset_password": _l("重置了密码"),
    "user.set_locale": _l("切换了界面语言"),
    "user.grant_role": _l("授予了角色"),
    "user.revoke_role": _l("撤销了角色"),
    "user.disable": _l("停用了账号"),
    "user.enable": _l("启用了账号"),
    "site_page.publish": _l("发布了新版页面"),
    "invitation.create": _l("发出了邀请"),
    "invitation.resend": _l("重新发送了邀请"),
    "invitation.revoke": _l("撤销了邀请"),
    "invitation.accept": _l("接受了邀请"),
    "demo.create_user": _l("创建了演示账号"),
})
labels.object_kind("user", _l("用户"), names=_users)
labels.object_kind("role_invitation", _l("角色邀请"), names=_invitations,
                   states=RoleInvitationState)
labels.object_kind("site_page", _l("页面"), names=_pages)
labels.fields({
    "email": _l("邮箱"),
    "name": _l("名称"),
    "locale": _l("界面语言"),
    "disabled": _l("已停用"),
    "mobile": _l("手机号码"),
    "pages": _l("同意的版本"),
    "agreed_at": _l("同意时间"),
    "expires_at": _l("有效期至"),
    "state": _l("状态"),
    "user_id": _l("用户"),
    "invitation_id": _l("角色邀请"),
    "status": _l("状态"),
    "version": _l("版本"),
    "title": _l("标题"),
})



def _roles(value) -> str:
    return labels.choice({r.value: r.label for r in Role})(value)


labels.fields({"roles": labels.Field(_l("角色"), _roles)})
