"""Registration asks for consent to the privacy policy and terms — pages the admin edits, in
versions — and records which versions and when; it takes an optional mobile number, shown
masked to everyone but its owner and admins (issue 11, point 25)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.accounts import services, sitepages
from marketplace.accounts.models import Consent, Role, SitePage, User
from marketplace.accounts.phones import mask_mobile
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from tests.accounts.test_accounts import GOOD_PASSWORD, _register
from tests.factories import make_organisation, make_user


def test_registration_without_consent_is_refused_and_keeps_what_was_typed(client):
    response = _register(client, email="dan@example.org", agree="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请阅读并同意隐私政策和用户协议" in html and 'value="dan@example.org"' in html
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_the_service_refuses_registration_without_consent(app):
    with pytest.raises(NotAllowed, match="同意"):
        services.register("eve@example.org", GOOD_PASSWORD, "Eve", agreed=False)


def test_consent_records_the_versions_in_force_and_when(client):
    _register(client)
    user = db.session.scalar(select(User))
    consents = sitepages.consents_of(user)
    assert sorted((c.page.slug, c.page.version) for c in consents) == [("privacy", 1),
                                                                        ("terms", 1)]
    assert all(c.agreed_at is not None for c in consents)
    # The built-in text was stored as version 1: the consent names the very words agreed to.
    assert consents[0].page.body == sitepages.SLUGS[consents[0].page.slug][1]


def test_an_admins_edit_is_a_new_version_and_earlier_consents_keep_theirs(client, app):
    _register(client, email="first@example.org")
    admin = make_user(roles=[Role.ADMIN])
    admin_client = app.test_client()  # a browser of its own: `client` registers people
    with admin_client.session_transaction() as session:
        session["_user_id"] = admin.session_token
    response = admin_client.post("/admin/pages/privacy", data={
        "title": "隐私政策", "body": "## 新版\n\n我们只收集必要的信息。", "action": "save"})
    assert response.status_code == 302
    assert "我们只收集必要的信息" in client.get("/privacy").get_data(as_text=True)
    _register(client, email="second@example.org")
    versions = {u.email: {c.page.slug: c.page.version for c in sitepages.consents_of(u)}
                for u in db.session.scalars(select(User).where(User.email.in_(
                    ["first@example.org", "second@example.org"])))}
    assert versions["first@example.org"]["privacy"] == 1
    assert versions["second@example.org"]["privacy"] == 2
    assert db.session.scalar(select(func.count(SitePage.id))) == 3  # privacy 1, 2; terms 1


def test_only_admins_edit_the_pages(app, login_as):
    organizer = make_user(roles=[Role.ORGANIZER])
    client = login_as(organizer)
    assert client.get("/admin/pages/privacy").status_code == 404
    assert client.post("/admin/pages/privacy", data={"title": "x", "body": "y"}
                       ).status_code == 404
    with pytest.raises(NotAllowed):
        sitepages.publish_page(organizer, "privacy", "x", "y")


def test_the_page_preview_renders_markdown_and_saves_nothing(app, login_as):
    client = login_as(make_user(roles=[Role.ADMIN]))
    response = client.post("/admin/pages/terms", data={
        "title": "用户协议", "body": "**加粗**<script>x</script>", "action": "preview"})
    html = response.get_data(as_text=True)
    preview = html.split('data-testid="page-preview"', 1)[1]
    assert response.status_code == 200 and "<strong>加粗</strong>" in preview
    assert "<script>x" not in preview
    assert db.session.scalar(select(func.count(SitePage.id))) == 0


def test_the_pages_are_public_and_linked_from_registration(client):
    html = client.get("/register").get_data(as_text=True)
    assert 'href="/privacy"' in html and 'href="/terms"' in html
    for path in ("/privacy", "/terms"):
        page = client.get(path)
        assert page.status_code == 200 and 'data-testid="site-page"' in page.get_data(True)
    assert db.session.scalar(select(func.count(Consent.id))) == 0


# --- mobile numbers -------------------------------------------------------------------------

def test_an_optional_mobile_number_is_validated_like_the_organisation_phone(client):
    refused = _register(client, email="frank@example.org", mobile="12345")
    assert refused.status_code == 422 and "11 位中国大陆手机号码" in refused.get_data(True)
    _register(client, email="grace@example.org", mobile="138 0013-8000")
    _register(client, email="heidi@example.org")
    mobiles = dict(db.session.execute(select(User.email, User.mobile)).all())
    assert mobiles == {"grace@example.org": "13800138000", "heidi@example.org": ""}


def test_a_mobile_number_is_masked_for_others_and_whole_for_its_owner_and_admins(app,
                                                                                 login_as):
    owner = make_user(mobile="13912345678")
    fellow = make_user()
    organisation = make_organisation(owner, members=[fellow])
    path = f"/organisations/{organisation.id}"
    assert mask_mobile("13912345678") == "139****5678"
    assert "139****5678" in login_as(fellow).get(path).get_data(as_text=True)
    assert "13912345678" not in login_as(fellow).get(path).get_data(as_text=True)
    assert "13912345678" in login_as(owner).get(path).get_data(as_text=True)
    admin_page = login_as(make_user(roles=[Role.ADMIN])).get("/admin/users")
    assert "13912345678" in admin_page.get_data(as_text=True)
