"""The security baseline: rate limits, CSRF, cookies, redirects, headers, secret key."""
import pytest

from marketplace.config import ConfigError, load_config
from marketplace.core.urls import safe_next
from tests.factories import PASSWORD, make_user


def _fail_login(client, email, ip):
    return client.post("/login", data={"email": email, "password": "not-the-password"},
                       environ_base={"REMOTE_ADDR": ip})


def test_failed_logins_per_account_are_limited(client, app):
    make_user("victim@example.org")
    codes = [_fail_login(client, "victim@example.org", "10.0.0.1").status_code for _ in range(6)]
    assert codes[:5] == [422] * 5  # the form again, refused
    assert codes[5] == 429


def test_a_stranger_cannot_lock_the_owner_out(client, app):
    user = make_user("owner@example.org")
    for _ in range(8):
        _fail_login(client, user.email, "10.0.0.66")  # the stranger's address
    ok = client.post("/login", data={"email": user.email, "password": PASSWORD},
                     environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert ok.status_code == 302


def test_failed_logins_per_address_are_limited_across_accounts(client, app):
    codes = [_fail_login(client, f"u{i}@example.org", "10.0.0.9").status_code for i in range(21)]
    assert 429 in codes
    assert codes[:20] == [422] * 20


def test_successful_logins_do_not_count_towards_the_limit(app):
    user = make_user("often@example.org")
    for _ in range(7):
        c = app.test_client()
        assert c.post("/login", data={"email": user.email, "password": PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 302


def test_rate_limited_page_is_shown_in_the_chosen_language(client, app):
    client.set_cookie("lang", "en", domain="volunteer.example.org")
    for _ in range(6):
        response = client.post("/login", data={"email": "x@example.org", "password": "nope-nope-1"})
    assert response.status_code == 429
    assert "Too many" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post("/login", data={"email": "a@example.org",
                                                           "password": "whatever-123"})
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_session_cookie_is_httponly_samesite_and_secure_behind_https(client, app):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" in cookie  # PUBLIC_BASE_URL is https in tests


def test_secure_flag_follows_public_base_url(monkeypatch, tmp_path):
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    config = load_config(str(tmp_path), {"APP_ENV": "development"})
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["SESSION_COOKIE_HTTPONLY"] is True


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "http:/evil.example", " //evil.example", "/ok\r\nSet-Cookie: x",
])
def test_next_never_leaves_the_site(target):
    assert safe_next(target, "/") == "/"


def test_next_keeps_local_paths():
    assert safe_next("/organisations/3?tab=members", "/") == "/organisations/3?tab=members"


def test_login_redirects_only_to_local_next(client, app):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_language_switch_redirects_only_locally(client):
    response = client.post("/language", data={"locale": "en", "next": "//evil.example"})
    assert response.headers["Location"] == "/"


def test_pages_send_a_strict_content_security_policy(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_no_inline_scripts_in_pages(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html


def test_secret_key_is_required_in_production(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"APP_ENV": "production"})


def test_development_gets_a_stable_random_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(str(tmp_path), {"APP_ENV": "development"})["SECRET_KEY"]
    second = load_config(str(tmp_path), {"APP_ENV": "development"})["SECRET_KEY"]
    assert first == second and len(first) >= 32


@pytest.mark.parametrize("lang,text", [("zh_CN", "找不到页面"), ("en", "Page not found")])
def test_not_found_page_in_both_languages(client, lang, text):
    client.set_cookie("lang", lang, domain="volunteer.example.org")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_too_large_upload_gets_413_page(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/login", data={"email": "a" * 4096})
        assert response.status_code == 413
        assert "文件太大" in response.get_data(as_text=True)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024


def test_server_error_page_in_both_languages(tmp_path):
    from marketplace import create_app

    app = create_app({"APP_ENV": "testing", "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.db'}"})

    @app.route("/__boom")
    def _boom():
        raise RuntimeError("boom")

    client = app.test_client()
    zh = client.get("/__boom")
    client.set_cookie("lang", "en", domain="127.0.0.1")
    en = client.get("/__boom")
    assert zh.status_code == en.status_code == 500
    assert "服务器出错了" in zh.get_data(as_text=True)
    assert "Server error" in en.get_data(as_text=True)
