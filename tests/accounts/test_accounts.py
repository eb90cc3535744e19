import re

from sqlalchemy import select
from werkzeug.security import check_password_hash

from marketplace.accounts import services
from marketplace.accounts.models import User
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from tests.factories import PASSWORD, make_user

GOOD_PASSWORD = "river-lantern-42x"


def _register(client, email="alice@example.org", password=GOOD_PASSWORD, **extra):
    data = {"name": "Alice", "email": email, "password": password, "password2": password,
            "agree": "y"}
    data.update(extra)
    return client.post("/register", data=data)


def _link(message_body: str) -> str:
    return re.search(r"https?://\S+", message_body).group(0)


def test_registration_stores_scrypt_hash_and_normalised_email(client):
    response = _register(client, email="  Ａlice@Example.ORG ")
    assert response.status_code == 200
    user = db.session.scalar(select(User))
    assert user.email == "alice@example.org"
    assert user.password_hash.startswith("scrypt:")
    assert check_password_hash(user.password_hash, GOOD_PASSWORD)


def test_email_is_unique_in_normal_form(client):
    _register(client, email="alice@example.org")
    response = _register(client, email="ALICE@EXAMPLE.ORG")
    assert "这个邮箱已经注册过了" in response.get_data(as_text=True)
    assert db.session.query(User).count() == 1


def test_short_password_is_refused_and_typed_values_kept(client):
    response = _register(client, email="bob@example.org", password="short1")
    html = response.get_data(as_text=True)
    assert "密码至少需要 10 个字符" in html
    assert 'value="bob@example.org"' in html
    assert db.session.query(User).count() == 0


def test_common_password_is_refused(client):
    response = _register(client, password="1234567890")
    assert "太常见" in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_confirmation_link_uses_public_base_url_not_host_header(client):
    _register(client, headers={"Host": "evil.example"})
    client.post("/register", data={"name": "A", "email": "carol@example.org",
                                   "password": GOOD_PASSWORD, "password2": GOOD_PASSWORD,
                                   "agree": "y"},
                headers={"Host": "evil.example"})
    message = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_address == "carol@example.org"))
    link = _link(message.body_text)
    assert link.startswith("https://volunteer.example.org/confirm/")
    assert "evil.example" not in message.body_text


def test_confirmation_link_confirms_and_login_then_works(client):
    _register(client)
    message = db.session.scalar(select(OutboxMessage))
    path = _link(message.body_text).replace("https://volunteer.example.org", "")
    refused = client.post("/login", data={"email": "alice@example.org", "password": GOOD_PASSWORD})
    assert "请先点击确认邮件中的链接" in refused.get_data(as_text=True)
    assert client.get(path).status_code == 200  # a page with a button: following confirms nothing
    assert client.post(path).status_code == 302
    ok = client.post("/login", data={"email": "alice@example.org", "password": GOOD_PASSWORD})
    assert ok.status_code == 302


def test_tampered_confirmation_token_is_refused(app):
    user = make_user(confirmed=False)
    try:
        services.confirm_email("garbage.token.value")
    except NotAllowed:
        pass
    else:
        raise AssertionError("a forged token must be refused")
    assert db.session.get(User, user.id).email_confirmed_at is None


def test_wrong_password_is_refused_with_message(client, app):
    make_user("dave@example.org")
    response = client.post("/login", data={"email": "dave@example.org",
                                           "password": "wrong-wrong-1"})
    assert response.status_code == 422
    assert "邮箱或密码不正确" in response.get_data(as_text=True)


def test_login_starts_a_fresh_session(client, app):
    make_user("erin@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    client.post("/login", data={"email": "erin@example.org", "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")


def test_logout_ends_sessions_on_every_device(app):
    user = make_user("frank@example.org")
    laptop, phone = app.test_client(), app.test_client()
    for c in (laptop, phone):
        assert c.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert phone.get("/organisations/").status_code == 200
    laptop.post("/logout")
    assert phone.get("/organisations/").status_code == 302  # back to the login page


def test_disabling_an_account_ends_its_sessions(app, login_as):
    admin = make_user(roles=[services.Role.ADMIN])
    target = make_user("gina@example.org")
    target_client = app.test_client()
    target_client.post("/login", data={"email": target.email, "password": PASSWORD})
    assert target_client.get("/organisations/").status_code == 200
    admin_client = login_as(admin)
    admin_client.post(f"/admin/users/{target.id}/disable")
    assert target_client.get("/organisations/").status_code == 302
    refused = target_client.post("/login", data={"email": target.email, "password": PASSWORD})
    assert "已停用" in refused.get_data(as_text=True)


def test_password_reset_by_mailed_link_is_single_use(client, app):
    user = make_user("hana@example.org")
    client.post("/password/forgot", data={"email": "HANA@example.org"})
    message = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.template == "accounts/reset_password"))
    path = _link(message.body_text).replace("https://volunteer.example.org", "")
    new = "ocean-breeze-2027"
    assert client.post(path, data={"password": new, "password2": new}).status_code == 302
    db.session.expire_all()
    assert check_password_hash(db.session.get(User, user.id).password_hash, new)
    again = client.post(path, data={"password": "another-pass-99", "password2": "another-pass-99"},
                        follow_redirects=True)
    assert "重置链接无效或已过期" in again.get_data(as_text=True)


def test_password_reset_request_does_not_reveal_unknown_addresses(client, app):
    make_user("ivan@example.org")
    known = client.post("/password/forgot", data={"email": "ivan@example.org"},
                        follow_redirects=True).get_data(as_text=True)
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"},
                          follow_redirects=True).get_data(as_text=True)
    assert "如果该邮箱已注册" in known and "如果该邮箱已注册" in unknown
    assert db.session.query(OutboxMessage).count() == 1


def test_every_change_is_audited(client, app):
    _register(client)
    actions = [e.action for e in db.session.scalars(select(AuditEntry))]
    assert "user.register" in actions


def test_mail_to_an_unconfirmed_address_carries_nothing_the_registrant_typed(client):
    # Anyone may register someone else's address; the name they chose is attacker text.
    _register(client, email="victim@example.org", name="工作人员提醒：点此领取补贴 http://evil")
    client.post("/password/forgot", data={"email": "victim@example.org"})
    bodies = [m.subject + m.body_text for m in db.session.scalars(select(OutboxMessage))]
    assert len(bodies) == 2
    assert not any("领取补贴" in body or "evil" in body for body in bodies)


def test_account_mails_to_one_address_are_capped_per_day(client):
    _register(client, email="victim@example.org")
    for _ in range(services.ACCOUNT_MAILS_PER_ADDRESS_PER_DAY + 3):
        client.post("/confirm/resend", data={"email": "victim@example.org"})
    sent = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == "victim@example.org")).all()
    assert len(sent) == services.ACCOUNT_MAILS_PER_ADDRESS_PER_DAY
