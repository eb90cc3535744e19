"""The admin's users page on a phone: one card per user, roles added from a compact menu."""
from __future__ import annotations

from playwright.sync_api import expect

from marketplace.accounts.models import Role
from tests.factories import make_user


def test_admin_adds_and_revokes_a_role_on_a_phone(live_server, e2e_db, phone_page, login,
                                                  screenshot):
    page = phone_page
    admin = make_user(roles=[Role.ADMIN])
    make_user("volunteer@example.org", name="志愿者小王")
    login(page, admin)
    page.goto(live_server.url + "/admin/users?q=volunteer")
    row = page.get_by_test_id("user-row").filter(has_text="volunteer@example.org")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{width[0]}px wide in a {width[1]}px window"

    row.get_by_role("button", name="添加角色").click()
    with page.expect_navigation():
        row.get_by_role("button", name="财务", exact=True).click()
    row = page.get_by_test_id("user-row").filter(has_text="volunteer@example.org")
    expect(row.get_by_role("button", name="撤销 财务")).to_be_visible()
    screenshot(page, "admin-users-phone")

    with page.expect_navigation():
        row.get_by_role("button", name="撤销 财务").click()
    row = page.get_by_test_id("user-row").filter(has_text="volunteer@example.org")
    expect(row).to_contain_text("无")
