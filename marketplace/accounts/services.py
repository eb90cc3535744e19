"""Account changes: register, confirm, log in/out, reset password, roles, disable.

Each function checks, changes, audits and queues its mail; the caller commits.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.accounts import policy, sitepages
from marketplace.accounts.emails import normalise_email
from marketplace.accounts.models import Role, User, UserRole, new_session_token
from marketplace.accounts.passwords import password_problem
from marketplace.accounts.phones import is_mobile, mask_mobile, normalise_mobile
from marketplace.accounts.tokens import make_token, read_token
from marketplace.audit.services import record
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import utcnow
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.notify import services as notify_services
from marketplace.notify.services import queue_mail

# Verifying against this when no account matches keeps the response time the same,
# so timing does not tell which addresses are registered.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


@notify_services.account_lookup
def account_for_address(address: str) -> int | None:
    """The account a mail's address belongs to, for its in-app copy (站内消息)."""
    return db.session.scalar(select(User.id).where(User.email == normalise_email(address)))


def current_locale_name() -> str:
    try:
        return str(get_locale() or "zh_CN")
    except RuntimeError:
        return "zh_CN"


def register(email: str, password: str, name: str, locale: str | None = None, *,
             agreed: bool, mobile: str = "") -> User:
    """A new account, once its person agreed to the privacy policy and terms in force (the
    versions agreed to are recorded, sitepages.record_consent); `mobile` is optional."""
    email = normalise_email(email)
    if not agreed:
        raise NotAllowed(_l("请阅读并同意隐私政策和用户协议。"), field="agree")
    if find_user_by_email(email):
        raise NotAllowed(_l("这个邮箱已经注册过了。"), field="email")
    problem = password_problem(password, email)
    if problem:
        raise NotAllowed(problem, field="password")
    mobile = normalise_mobile(mobile)
    if mobile and not is_mobile(mobile):
        raise NotAllowed(_l("请填写 11 位中国大陆手机号码，或留空。"), field="mobile")
    user = User(email=email, name=name.strip(), password_hash=generate_password_hash(password),
                locale=locale or current_locale_name(), mobile=mobile)
    db.session.add(user)
    record("user.register", user, actor=user, after={"email": email, "name": user.name,
                                                     "mobile": mask_mobile(mobile)})
    sitepages.record_consent(user)
    send_confirmation(user)
    return user


# Anyone can make the site mail an address they typed (register it, ask for a reset), so
# these mails carry nothing the requester chose (no name) and an address gets few a day.
ACCOUNT_MAILS_PER_ADDRESS_PER_DAY = 5


def send_confirmation(user: User) -> None:
    token = make_token("confirm", {"id": user.id, "email": user.email})
    queue_mail(user.email, "accounts/confirm_email", user.locale, in_app=False,
               daily_cap=ACCOUNT_MAILS_PER_ADDRESS_PER_DAY,
               link=public_url(url_for("accounts.confirm", token=token)))


def confirm_email(token: str) -> User:
    data = read_token("confirm", token)
    user = db.session.get(User, data["id"]) if isinstance(data, dict) else None
    # The address in the token must still be the account's address.
    if user is None or user.email != data.get("email"):
        raise NotAllowed(_l("确认链接无效或已过期，请重新发送。"))
    if not user.is_confirmed:
        user.email_confirmed_at = utcnow()
        record("user.confirm_email", user, actor=user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user when the password matches and the account is usable, else None."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    record("user.login", user, actor=user)


def end_sessions(user: User) -> None:
    """Rotate the session token: every cookie carrying the old one stops working."""
    user.session_token = new_session_token()


def logout(user: User) -> None:
    end_sessions(user)
    record("user.logout", user, actor=user)


def request_password_reset(email: str) -> None:
    """Queue a reset mail when the address is registered; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    # The hash in the token makes the link single-use: it dies once the password changes.
    token = make_token("reset", {"id": user.id, "h": user.password_hash[-16:]})
    queue_mail(user.email, "accounts/reset_password", user.locale, in_app=False,
               daily_cap=ACCOUNT_MAILS_PER_ADDRESS_PER_DAY,
               link=public_url(url_for("accounts.reset_password", token=token)))
    record("user.request_password_reset", user, actor=user)


def reset_password(token: str, password: str) -> User:
    data = read_token("reset", token, max_age=60 * 60 * 2)
    user = db.session.get(User, data["id"]) if isinstance(data, dict) else None
    if user is None or user.password_hash[-16:] != data.get("h") or not user.is_active:
        raise NotAllowed(_l("重置链接无效或已过期，请重新申请。"))
    problem = password_problem(password, user.email)
    if problem:
        raise NotAllowed(problem, field="password")
    user.password_hash = generate_password_hash(password)
    # Following the link proves the address too.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    end_sessions(user)
    record("user.reset_password", user, actor=user)
    return user


def set_locale(user: User, locale: str) -> None:
    if user.locale != locale:
        before = {"locale": user.locale}
        user.locale = locale
        record("user.set_locale", user, actor=user, before=before, after={"locale": locale})


def grant_role(actor: User, user: User, role: Role) -> None:
    require(policy.can_manage_roles(actor))
    if role in user.role_set:
        return
    before = sorted(r.value for r in user.role_set)
    user.roles.append(UserRole(role=role, granted_by_id=actor.id))
    record("user.grant_role", user, actor=actor, before={"roles": before},
           after={"roles": sorted(r.value for r in user.role_set)})


def revoke_role(actor: User, user: User, role: Role) -> None:
    require(policy.can_manage_roles(actor))
    if role == Role.ADMIN and actor.id == user.id:
        raise NotAllowed(_l("不能撤销自己的管理员角色。"))
    before = sorted(r.value for r in user.role_set)
    user.roles = [r for r in user.roles if r.role != role]
    record("user.revoke_role", user, actor=actor, before={"roles": before},
           after={"roles": sorted(r.value for r in user.role_set)})


def disable_user(actor: User, user: User) -> None:
    require(policy.can_disable(actor, user))
    if user.disabled_at:
        return
    user.disabled_at = utcnow()
    end_sessions(user)
    record("user.disable", user, actor=actor, before={"disabled": False}, after={"disabled": True})


def enable_user(actor: User, user: User) -> None:
    require(policy.can_disable(actor, user))
    if not user.disabled_at:
        return
    user.disabled_at = None
    record("user.enable", user, actor=actor, before={"disabled": True}, after={"disabled": False})
