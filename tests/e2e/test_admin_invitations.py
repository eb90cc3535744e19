"""Issue 11, points 11 and 12 in a browser: the admin invites an outside expert by e-mail as a
reviewer; the expert opens the mailed link on a phone, sets a name and a password and is a
reviewer after signing in; the audit log reads as sentences and is cards on a phone."""
from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from marketplace.accounts.models import Role, User
from marketplace.audit.services import record
from marketplace.extensions import db
from tests.e2e.helpers import mail_link
from tests.factories import make_round, make_user

PASSWORD = "tide-lantern-2026"


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{width[0]}px wide in a {width[1]}px window"


def test_an_invited_expert_joins_as_a_reviewer_from_a_phone(live_server, e2e_db, page,
                                                            phone_page, login, deliver_mail,
                                                            screenshot):
    admin = make_user(roles=[Role.ADMIN], name="系统管理员")
    login(page, admin)
    page.goto(live_server.url + "/admin/invitations")
    page.get_by_label("邮箱").fill("expert@example.org")
    page.get_by_label("评审专家").check()
    with page.expect_navigation():
        page.get_by_role("button", name="发送邀请").click()
    row = page.get_by_test_id("invitation-row").filter(has_text="expert@example.org")
    expect(row).to_contain_text("待接受")

    link = mail_link(deliver_mail("expert@example.org")[-1], "/invitation/")
    phone = phone_page
    phone.goto(live_server.url + urlsplit(link).path)
    expect(phone.get_by_text("评审专家").first).to_be_visible()
    _no_sideways_scroll(phone)
    phone.get_by_label("姓名").fill("陈专家")
    phone.get_by_label("密码", exact=True).fill(PASSWORD)
    phone.get_by_label("再次输入密码").fill("not-the-same-9")
    phone.get_by_role("button", name="开通账号并接受邀请").click()
    expect(phone.get_by_text("两次输入的密码不一致")).to_be_visible()
    expect(phone.get_by_label("姓名")).to_have_value("陈专家")  # what was typed stays
    phone.get_by_label("密码", exact=True).fill(PASSWORD)
    phone.get_by_label("再次输入密码").fill(PASSWORD)
    phone.locator("#agree").check()
    screenshot(phone, "invitation-accept-phone")
    with phone.expect_navigation():
        phone.get_by_role("button", name="开通账号并接受邀请").click()
    expect(phone.get_by_text("账号已开通，请登录。")).to_be_visible()
    login(phone, "expert@example.org", PASSWORD)
    e2e_db.fresh()
    expert = db.session.query(User).filter_by(email="expert@example.org").one()
    assert expert.role_set == {Role.REVIEWER} and expert.name == "陈专家"

    # The link worked once.
    phone.goto(live_server.url + urlsplit(link).path)
    expect(phone.get_by_test_id("invitation-refused")).to_be_visible()

    page.reload()
    expect(page.get_by_test_id("invitation-row").filter(has_text="expert@example.org")
           ).to_contain_text("已接受")
    screenshot(page, "invitations-desktop")


def test_revoking_an_invitation_asks_first(live_server, e2e_db, phone_page, login, screenshot):
    page = phone_page
    admin = make_user(roles=[Role.ADMIN])
    login(page, admin)
    page.goto(live_server.url + "/admin/invitations")
    page.get_by_label("邮箱").fill("finance2@example.org")
    page.get_by_label("财务").check()
    with page.expect_navigation():
        page.get_by_role("button", name="发送邀请").click()
    row = page.get_by_test_id("invitation-row").filter(has_text="finance2@example.org")
    _no_sideways_scroll(page)
    screenshot(page, "invitations-phone")
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="撤销").click()
    expect(row).to_contain_text("待接受")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        row.get_by_role("button", name="撤销").click()
    expect(page.get_by_test_id("invitation-row").filter(has_text="finance2@example.org")
           ).to_contain_text("已撤销")


def test_the_audit_log_reads_as_sentences_in_cards_on_a_phone(live_server, e2e_db, phone_page,
                                                              login, screenshot):
    page = phone_page
    admin = make_user(roles=[Role.ADMIN], name="系统管理员")
    person = make_user(name="陈专家")
    round_ = make_round(title="2026年海岛志愿服务专项创投")
    record("user.grant_role", person, actor=admin, before={"roles": []},
           after={"roles": ["reviewer"]})
    record("round.update", round_, actor=admin,
           before={"total_budget_fen": 50_000_000, "deadline_at": "2026-03-31T16:00:00"},
           after={"total_budget_fen": 60_000_000, "deadline_at": "2026-04-10T16:00:00"})
    record("user.set_locale", person, actor=person, before={"locale": "zh_CN"},
           after={"locale": "en"})
    db.session.commit()
    login(page, admin)
    page.goto(live_server.url + "/admin/audit")
    rows = page.get_by_test_id("audit-row")
    grant = rows.filter(has_text="授予了角色")
    expect(grant).to_contain_text("系统管理员")
    expect(grant).to_contain_text("陈专家")
    expect(grant).to_contain_text("评审专家")
    own = rows.filter(has_text="切换了界面语言")
    expect(own).to_contain_text("陈专家 切换了界面语言")
    expect(own).not_to_contain_text("切换了界面语言 陈专家")
    update = rows.filter(has_text="修改了年度项目设置")
    expect(update).to_contain_text("¥600,000.00")
    expect(update).to_contain_text("2026-04-11 00:00")
    # Each entry is a card: its row is a column of labelled cells, nothing scrolls sideways.
    assert grant.evaluate("row => getComputedStyle(row).display") == "flex"
    _no_sideways_scroll(page)
    screenshot(page, "audit-log-phone")

    page.get_by_label("操作", exact=True).select_option("user.set_locale")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("audit-row")).to_have_count(1)
    expect(page.get_by_test_id("audit-row")).to_contain_text("切换了界面语言")
