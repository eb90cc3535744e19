"""An admin invites people by e-mail with a role (issue 11, point 11): a single-use,
expiring link; the invitee sets a name and a password and agrees to the privacy policy and
terms, or, with an account already, accepts while signed in as it; revoked, used, replaced
and expired links are refused; everything audited, mail capped per address."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts import invitations, sitepages
from marketplace.accounts.models import Role, RoleInvitation, User
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.notify.models import Notification, OutboxMessage
from tests.accounts.test_accounts import GOOD_PASSWORD
from tests.concurrency import race
from tests.factories import make_user
from tests.test_english import data_pattern, leftovers

LINK = re.compile(r"https://volunteer\.example\.org(/invitation/\S+)")


def _invite(client, email="expert@example.org", roles=("reviewer",)):
    return client.post("/admin/invitations", data={"email": email, "roles": list(roles)})


def _link(email="expert@example.org") -> str:
    """The path of the latest invitation mail's link to `email`."""
    body = db.session.scalars(select(OutboxMessage.body_text).where(
        OutboxMessage.to_address == email, OutboxMessage.template == "accounts/invitation")
        .order_by(OutboxMessage.id.desc())).first()
    return LINK.search(body).group(1)


def _accept(client, path, **overrides):
    data = {"name": "陈专家", "password": GOOD_PASSWORD, "password2": GOOD_PASSWORD,
            "agree": "y", **overrides}
    return client.post(path, data=data)


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("invitation.%")).order_by(AuditEntry.id)))


@pytest.fixture
def admin_client(app, login_as):
    admin = make_user(roles=[Role.ADMIN], name="管理员")
    return login_as(admin)


@pytest.fixture
def visitor(app):
    return app.test_client()  # a browser of its own: the admin's client stays signed in


def test_an_invited_person_sets_a_name_and_password_and_gets_the_roles(admin_client, visitor):
    response = _invite(admin_client, roles=("reviewer", "finance"))
    assert response.status_code == 302
    invitation = db.session.scalar(select(RoleInvitation))
    assert invitation.roles == ["reviewer", "finance"] and len(invitation.token_hash) == 64
    path = _link()
    # The secret itself is nowhere in the database, only its hash.
    assert path.rsplit("/", 1)[1] not in invitation.token_hash
    page = visitor.get(path)
    assert page.status_code == 200 and "expert@example.org" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 1  # looking changes nothing
    assert _accept(visitor, path).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "expert@example.org"))
    assert user.name == "陈专家" and user.is_confirmed
    assert user.role_set == {Role.REVIEWER, Role.FINANCE}
    assert {c.page.slug for c in sitepages.consents_of(user)} == {"privacy", "terms"}
    db.session.refresh(invitation)
    assert invitation.accepted_by_id == user.id and invitation.accepted_at is not None
    assert _actions() == ["invitation.create", "invitation.accept"]
    accept = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "invitation.accept"))
    assert accept.actor_id == user.id and accept.after["roles"] == ["finance", "reviewer"]


def test_the_mail_is_mail_only_and_capped_per_address(admin_client, app):
    existing = make_user("known@example.org")
    _invite(admin_client, email="known@example.org")
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == existing.id)) == 0  # a secret link stays out of 站内消息
    invitation = db.session.scalar(select(RoleInvitation))
    for _ in range(4):
        assert admin_client.post(f"/admin/invitations/{invitation.id}/resend").status_code == 302
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 5
    admin_client.post(f"/admin/invitations/{invitation.id}/resend")
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 5
    html = admin_client.get("/admin/invitations").get_data(as_text=True)
    assert "今天已向这个邮箱发送了太多邮件" in html


def test_a_used_link_is_refused(admin_client, visitor):
    _invite(admin_client)
    path = _link()
    _accept(visitor, path)
    again = _accept(app_client := visitor, path, name="别人")
    assert again.status_code == 404 and "邀请链接无效" in again.get_data(as_text=True)
    assert app_client.get(path).status_code == 404
    assert db.session.scalar(select(func.count(User.id))) == 2


def test_an_expired_link_is_refused(admin_client, visitor):
    _invite(admin_client)
    path = _link()
    invitation = db.session.scalar(select(RoleInvitation))
    token = path.rsplit("/", 1)[1]
    with pytest.raises(NotAllowed):
        invitations.invitation_for_token(token, now=utcnow() + timedelta(days=8))
    invitation.created_at = utcnow() - timedelta(days=9)
    invitation.expires_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert visitor.get(path).status_code == 404
    assert _accept(visitor, path).status_code == 404
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_a_revoked_link_is_refused_and_the_revocation_audited(admin_client, visitor):
    _invite(admin_client)
    path = _link()
    invitation = db.session.scalar(select(RoleInvitation))
    assert admin_client.post(f"/admin/invitations/{invitation.id}/revoke").status_code == 302
    assert _accept(visitor, path).status_code == 404
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert _actions() == ["invitation.create", "invitation.revoke"]
    # Revoked is final: it is not sent again.
    admin_client.post(f"/admin/invitations/{invitation.id}/resend")
    assert _actions() == ["invitation.create", "invitation.revoke"]


def test_sending_again_replaces_the_link(admin_client, visitor):
    _invite(admin_client)
    first = _link()
    invitation = db.session.scalar(select(RoleInvitation))
    admin_client.post(f"/admin/invitations/{invitation.id}/resend")
    second = _link()
    assert first != second
    assert visitor.get(first).status_code == 404
    assert _accept(visitor, second).status_code == 302


def test_a_forged_or_foreign_token_is_refused(visitor, admin_client):
    _invite(admin_client)
    path = _link()
    assert visitor.get(path[:-3] + "abc").status_code == 404
    assert visitor.get("/invitation/not-a-token").status_code == 404


def test_an_existing_account_accepts_while_signed_in_as_itself(admin_client, app, login_as):
    person = make_user("known@example.org", roles=[Role.REVIEWER])
    other = make_user("other@example.org")
    _invite(admin_client, email="known@example.org", roles=("organizer",))
    path = _link("known@example.org")
    anonymous = app.test_client()
    html = anonymous.get(path).get_data(as_text=True)
    assert "/login?next=" in html and 'name="password"' not in html
    assert _accept(anonymous, path).status_code in (200, 422)
    assert db.session.scalar(select(func.count(User.id))) == 3  # no second account

    someone_else = app.test_client()
    with someone_else.session_transaction() as session:
        session["_user_id"] = other.session_token
    refused = someone_else.post(path, data={})
    assert refused.status_code == 422
    assert Role.ORGANIZER not in db.session.get(User, other.id).role_set

    own = app.test_client()
    with own.session_transaction() as session:
        session["_user_id"] = person.session_token
    assert own.post(path, data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).role_set == {Role.REVIEWER, Role.ORGANIZER}
    assert _actions() == ["invitation.create", "invitation.accept"]


def test_non_admins_get_404_and_visitors_are_sent_to_login(app, login_as):
    organizer = make_user(roles=[Role.ORGANIZER])
    admin = make_user(roles=[Role.ADMIN])
    invitation = invitations.invite(admin, "x@example.org", [Role.REVIEWER])
    db.session.commit()
    c = login_as(organizer)
    assert c.get("/admin/invitations").status_code == 404
    assert _invite(c).status_code == 404
    assert c.post(f"/admin/invitations/{invitation.id}/revoke").status_code == 404
    assert db.session.get(RoleInvitation, invitation.id).revoked_at is None
    assert db.session.scalar(select(func.count(RoleInvitation.id))) == 1
    with pytest.raises(NotAllowed):
        invitations.invite(organizer, "y@example.org", [Role.REVIEWER])
    anonymous = app.test_client()
    response = anonymous.get("/admin/invitations")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_bad_invitation_input_keeps_what_was_typed(admin_client):
    response = admin_client.post("/admin/invitations", data={"email": "not-an-address",
                                                             "roles": []})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="not-an-address"' in html
    assert "邮箱格式不正确" in html and "请至少选择一个角色" in html
    assert db.session.scalar(select(func.count(RoleInvitation.id))) == 0


def test_a_second_open_invitation_to_one_address_is_refused(admin_client):
    _invite(admin_client)
    response = _invite(admin_client, roles=("finance",))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "已有一份待接受的邀请" in html
    assert 'value="expert@example.org"' in html
    assert re.search(r'<input checked[^>]*value="finance"', html)
    assert db.session.scalar(select(func.count(RoleInvitation.id))) == 1


def test_bad_input_on_the_invitees_form_keeps_what_was_typed(admin_client, visitor):
    _invite(admin_client)
    path = _link()
    response = _accept(visitor, path, password2="something-else-9", agree="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="陈专家"' in html
    assert "两次输入的密码不一致" in html and "请阅读并同意隐私政策和用户协议" in html
    weak = _accept(visitor, path, password="123", password2="123")
    assert weak.status_code == 422 and 'value="陈专家"' in weak.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 1
    # The link still works after a refused try.
    assert _accept(visitor, path).status_code == 302


def test_the_service_refuses_without_consent(admin_client):
    _invite(admin_client)
    token = _link().rsplit("/", 1)[1]
    with pytest.raises(NotAllowed, match="同意"):
        invitations.accept_as_new_account(token, "某人", GOOD_PASSWORD, agreed=False)


def test_the_invitation_pages_read_in_english(admin_client, app):
    make_user("known@example.org")
    _invite(admin_client)
    _invite(admin_client, email="known@example.org", roles=("finance",))
    admin_client.get("/admin/invitations")  # the flashed confirmations, shown in Chinese
    domain = app.config["SERVER_NAME"].split(":")[0]
    admin_client.set_cookie("lang", "en", domain=domain)
    visitor = app.test_client()
    visitor.set_cookie("lang", "en", domain=domain)
    pages = {
        "admin": admin_client.get("/admin/invitations"),
        "new account": visitor.get(_link()),
        "existing account": visitor.get(_link("known@example.org")),
        "refused": visitor.get("/invitation/not-a-token"),
        "bad input": _accept(visitor, _link(), password2="other-password-9", agree=""),
    }
    data = data_pattern(app)
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert '<html lang="en"' in html, name
        assert not leftovers(html, data), (name, leftovers(html, data))
    assert "Choose at least one role." not in pages["admin"].get_data(as_text=True)
    assert "Reviewer" in pages["new account"].get_data(as_text=True)


def test_two_clicks_on_one_link_at_once_make_one_account(app):
    """Real threads (as two requests): the invitation row is locked and read again, so the
    second finds it used and is refused; nothing is half-made."""
    admin = make_user(roles=[Role.ADMIN])
    invitations.invite(admin, "expert@example.org", [Role.REVIEWER])
    db.session.commit()
    token = _link().rsplit("/", 1)[1]

    def accept(i, start):
        start()
        invitations.accept_as_new_account(token, f"专家{i}", GOOD_PASSWORD, agreed=True)

    assert race(app, 3, accept) == ["ok", "refused", "refused"]
    assert db.session.scalar(select(func.count(User.id)).where(
        User.email == "expert@example.org")) == 1
    assert _actions() == ["invitation.create", "invitation.accept"]


def test_two_invitations_to_one_address_at_once_make_one(app):
    admin = make_user(roles=[Role.ADMIN])
    admin_id = admin.id

    def invite(i, start):
        actor = db.session.get(User, admin_id)
        start()
        invitations.invite(actor, "expert@example.org", [Role.REVIEWER])

    assert race(app, 3, invite) == ["ok", "refused", "refused"]
    assert db.session.scalar(select(func.count(RoleInvitation.id))) == 1


def test_an_expired_invitation_can_be_sent_again_with_a_fresh_link(admin_client, visitor):
    _invite(admin_client)
    invitation = db.session.scalar(select(RoleInvitation))
    invitation.created_at = utcnow() - timedelta(days=9)
    invitation.expires_at = utcnow() - timedelta(days=2)
    db.session.commit()
    html = admin_client.get("/admin/invitations").get_data(as_text=True)
    assert "已过期" in html
    assert admin_client.post(f"/admin/invitations/{invitation.id}/resend").status_code == 302
    assert _actions() == ["invitation.create", "invitation.resend"]
    assert _accept(visitor, _link()).status_code == 302


def test_the_mail_speaks_the_accounts_language_and_names_the_roles(admin_client):
    make_user("known@example.org", locale="en")
    _invite(admin_client, email="known@example.org", roles=("finance", "reviewer"))
    _invite(admin_client, email="new@example.org", roles=("organizer",))
    known, new = (db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == a))
                  for a in ("known@example.org", "new@example.org"))
    assert known.locale == "en" and "Reviewer, Finance" in known.body_text
    assert "sign" in known.body_text
    assert new.locale == "zh_CN" and "组织方（团市委）" in new.body_text
    assert "设置姓名和密码" in new.body_text
