"""What a newcomer does first: register, confirm by e-mail, log in, register an organisation,
switch to English — in a real browser, against a real server and SMTP server."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.organisations.models import MemberRole, Organisation, OrganisationStatus
from tests.e2e.helpers import mail_link
from tests.factories import PASSWORD, make_user, valid_uscc

EMAIL = "xiaoming@example.org"


def _fill_organisation(page, uscc: str) -> None:
    page.get_by_label("组织名称").fill("小明志愿服务队")
    page.get_by_label("组织类型").select_option(label="高校团队")
    page.get_by_label("所在县区").select_option("岱山县")
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_label("联系人").fill("王小明")
    page.get_by_label("联系电话").fill("139 1234 5678")
    page.get_by_label("地址").fill("岱山县高亭镇")
    page.get_by_label("组织简介").fill("海岛社区的青年志愿者。")


def test_newcomer_registers_confirms_logs_in_and_registers_an_organisation(
        live_server, e2e_db, page, deliver_mail, screenshot):
    url = live_server.url
    page.goto(url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("link", name="注册账号").click()

    # Register.
    page.get_by_label("姓名").fill("王小明")
    page.get_by_label("邮箱").fill("  XiaoMing@Example.org ")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_label("我已阅读并同意").check()
    screenshot(page, "foundation-01-register")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("heading", name="请查收确认邮件")).to_be_visible()
    expect(page.locator("main")).to_contain_text(EMAIL)
    screenshot(page, "foundation-02-check-email")

    # Logging in before confirming is refused with a way to resend.
    page.goto(url + "/login")
    page.get_by_label("邮箱").fill(EMAIL)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.locator("main form").first.get_by_role("button", name="登录").click()
    expect(page.locator("main")).to_contain_text("请先点击确认邮件中的链接")
    expect(page.get_by_role("button", name="重新发送确认邮件")).to_be_visible()

    # The confirmation mail arrived at the SMTP server, with a link to this site.
    mails = deliver_mail(to=EMAIL)
    assert len(mails) == 1, [m["Subject"] for m in mails]
    assert "请确认你的邮箱" in mails[0]["Subject"]
    link = mail_link(mails[0], "/confirm/")
    assert link.startswith(url + "/confirm/")
    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    page.goto(link)
    expect(page.locator("main")).to_contain_text("点击下面的按钮，确认这个邮箱属于你")
    page.get_by_test_id("confirm-email").click()
    expect(page.locator(".alert-success")).to_contain_text("邮箱已确认，请登录。")

    # Log in.
    page.get_by_label("邮箱").fill(EMAIL)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.locator("main form").first.get_by_role("button", name="登录").click()
    expect(page).to_have_url(url + "/")
    expect(page.locator("nav")).to_contain_text("王小明")

    # Register an organisation: a wrong check character first.
    page.get_by_role("link", name="登记我的志愿服务组织").click()
    good = valid_uscc()
    wrong_check = good[:17] + ("1" if good[17] != "1" else "2")
    _fill_organisation(page, wrong_check)
    page.get_by_role("button", name="提交审核").click()
    uscc = page.get_by_label("统一社会信用代码")
    expect(uscc).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#uscc-error")).to_have_text(
        "统一社会信用代码第 18 位校验码不正确，请核对。")
    # What was typed is kept.
    expect(uscc).to_have_value(wrong_check)
    expect(page.get_by_label("组织名称")).to_have_value("小明志愿服务队")
    expect(page.get_by_label("组织类型")).to_have_value("university_team")
    expect(page.get_by_label("所在县区")).to_have_value("岱山县")
    expect(page.get_by_label("联系电话")).to_have_value("139 1234 5678")
    expect(page.get_by_label("组织简介")).to_have_value("海岛社区的青年志愿者。")
    screenshot(page, "foundation-03-organisation-wrong-uscc")

    # A code of the wrong length says so, too.
    uscc.fill(good[:16])
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#uscc-error")).to_have_text("统一社会信用代码应为 18 位，现在是 16 位。")

    # The right code: the organisation is created, pending review, owned by its creator.
    page.get_by_label("统一社会信用代码").fill(good.lower())
    page.get_by_role("button", name="提交审核").click()
    expect(page).to_have_url(re.compile(r"/organisations/\d+$"))
    expect(page.locator("h1")).to_have_text("小明志愿服务队")
    expect(page.locator(".badge", has_text="待审核")).to_be_visible()
    expect(page.locator(".alert-warning")).to_contain_text("组织正在等待团市委审核")
    screenshot(page, "foundation-04-organisation-pending")

    e2e_db.fresh()
    organisation = e2e_db.session.scalar(select(Organisation))
    assert organisation.status is OrganisationStatus.PENDING
    assert organisation.uscc == good
    assert organisation.contact_phone == "13912345678"
    [owner] = organisation.memberships
    assert owner.role is MemberRole.OWNER and owner.user.email == EMAIL

    # Switch to English: the same page, in English.
    detail_url = page.url
    page.get_by_test_id("lang-switch").click()
    expect(page).to_have_url(detail_url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".badge", has_text="Pending review")).to_be_visible()
    expect(page.locator(".alert-warning")).to_contain_text("awaits review")
    expect(page.get_by_test_id("lang-switch")).to_have_text("中文")
    screenshot(page, "foundation-05-organisation-english")

    # The choice is remembered: the next page is English too, and so is the account.
    page.get_by_role("link", name="My groups").click()
    expect(page.get_by_role("heading", name="My groups")).to_be_visible()
    expect(page.get_by_role("link", name="Register an organisation")).to_be_visible()
    e2e_db.fresh()
    assert e2e_db.session.scalar(select(User.locale).where(User.email == EMAIL)) == "en"
    # …and still after logging out (the cookie), although the browser asks for Chinese.
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".alert-info")).to_contain_text("You have logged out.")
    expect(page.get_by_role("link", name="Create an account")).to_be_visible()
    screenshot(page, "foundation-06-logged-out-english")


def test_phone_width_menu_and_language_switch(live_server, e2e_db, phone_page, login,
                                              screenshot):
    page = phone_page
    user = make_user(name="李小红")
    login(page, user)
    # Collapsed menu: the links appear only through the navbar toggler.
    my_organisations = page.locator("#nav").get_by_role("link", name="我的组织")
    expect(my_organisations).to_be_hidden()
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    toggler.click()
    expect(my_organisations).to_be_visible()
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))  # opened, not opening
    screenshot(page, "foundation-phone-01-menu-open")
    my_organisations.click()
    expect(page.get_by_role("heading", name="我的组织")).to_be_visible()
    page.get_by_role("link", name="登记新组织").click()
    expect(page.get_by_label("统一社会信用代码")).to_be_visible()
    _assert_no_sideways_scroll(page)
    screenshot(page, "foundation-phone-02-organisation-form")

    page.locator(".navbar-toggler").click()
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Register a volunteer organisation")).to_be_visible()
    _assert_no_sideways_scroll(page)
    screenshot(page, "foundation-phone-03-organisation-form-english")


def _assert_no_sideways_scroll(page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide in a {widths[1]}px window"
