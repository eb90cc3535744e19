"""Browser walk at phone width: the organizer creates a round, adds a targeted pool and a
challenge, publishes it; a matching verified group is e-mailed a one-click link to bid."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.core.timeutil import to_local, utcnow
from tests.e2e.helpers import mail_link
from tests.factories import make_organisation, make_user
from tests.smtp import SMTPServer


def _local(days: float) -> str:
    return to_local(utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_organizer_creates_and_publishes_a_round(live_server, e2e_db, phone_page, login,
                                                 screenshot, deliver_mail):
    page = phone_page
    organizer = make_user(roles=[Role.ORGANIZER], name="团市委 王老师")
    member = make_user(name="海岛 周社长")
    make_organisation(member, name="嵊泗县海岛公益服务社", region="嵊泗县")

    login(page, organizer)
    page.goto(f"{live_server.url}/rounds/new")
    page.fill("#title", "2026年志愿服务集市创投项目")
    page.fill("#introduction", "面向全市志愿服务组织**征集项目**")
    page.fill("#total_budget", "579000")
    page.fill("#max_amount_per_project", "50000")
    page.fill("#opens_at", _local(-1))
    page.fill("#deadline_at", _local(30))
    page.fill("#review_ends_at", _local(45))
    page.fill("#delivery_ends_at", _local(300))
    page.fill("#rule_personnel", "30")
    screenshot(page, "rounds-form-phone")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("创投集市草稿已保存。")).to_be_visible()
    expect(page.get_by_test_id("publish-problems")).to_contain_text("请至少设置一个资金池")

    page.get_by_role("link", name="添加资金池").click()
    page.fill("#name", "海岛定向扶持资金池")
    page.select_option("#kind", "targeted")
    page.fill("#amount", "110000")
    page.get_by_label("岱山县").check()
    page.get_by_label("嵊泗县").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("资金池已添加。")).to_be_visible()

    page.get_by_role("link", name="添加命题").click()
    page.fill("#title", "海岛老人关爱")
    page.fill("#background", "海岛留守老人多、服务资源少。")
    page.fill("#cap_per_team", "25000")
    page.fill("#slots", "2")
    page.get_by_label("嵊泗县").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("命题已添加。")).to_be_visible()
    page.get_by_role("link", name="2026年志愿服务集市创投项目").click()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_text("已发布，已通知 1 个匹配的组织。")).to_be_visible()
    expect(page.get_by_test_id("round-phase")).to_have_text("征集中")
    pools = page.get_by_test_id("pools")
    expect(pools).to_contain_text("¥110,000.00")
    expect(pools).to_contain_text("¥50,000.00")
    expect(page.get_by_test_id("round-summary")).to_contain_text("¥160,000.00")
    screenshot(page, "rounds-detail-organizer-phone")

    [message] = deliver_mail(to=member.email)
    link = mail_link(message, contains="challenge_id=")
    assert "/applications/new?round_id=" in link  # one click from the mail to the bid form

    # the public sees the published round and its challenge, no login needed
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/rounds/")
    page.get_by_role("link", name="2026年志愿服务集市创投项目").click()
    expect(page.get_by_role("link", name="海岛老人关爱")).to_be_visible()
    screenshot(page, "rounds-detail-public-phone")
    page.get_by_role("link", name="查看命题").click()
    expect(page.get_by_test_id("bid")).to_be_visible()
    screenshot(page, "rounds-challenge-public-phone")


def test_organizer_invites_a_group_which_declines_with_a_reason(live_server, e2e_db, phone_page,
                                                                login, screenshot, deliver_mail):
    from tests.factories import make_challenge, make_round

    page = phone_page
    page.on("dialog", lambda dialog: dialog.accept())  # 婉拒 asks first
    organizer = make_user(roles=[Role.ORGANIZER], name="团市委 王老师")
    member = make_user(name="海韵 张队长")
    make_organisation(member, name="普陀区海韵志愿服务队", region="普陀区")
    round_ = make_round(title="2026年志愿服务集市创投项目")
    challenge = make_challenge(round_, title="斑马线守护")

    login(page, organizer)
    page.goto(f"{live_server.url}/rounds/challenges/{challenge.id}")
    page.get_by_label("普陀区海韵志愿服务队（普陀区）").check()
    page.fill("#message", "欢迎贵队揭榜。")
    page.get_by_role("button", name="发送邀请").click()
    expect(page.get_by_text("已邀请 1 个组织。")).to_be_visible()
    expect(page.get_by_test_id("invitations")).to_contain_text("待答复")
    screenshot(page, "rounds-challenge-organizer-phone")
    # The group heard of the round when it was published (一键式对接); then of the invitation.
    published, message = deliver_mail(to=member.email)
    assert "/rounds/invitations/" not in SMTPServer.body(published)
    link = mail_link(message, contains="/rounds/invitations/")

    page.context.clear_cookies()
    login(page, member)
    page.goto(live_server.url + "/")
    expect(page.get_by_test_id("todo-section-member")).to_contain_text("斑马线守护")
    screenshot(page, "rounds-home-invitation-phone")
    page.goto(link.replace("https://volunteer.example.org", live_server.url))
    page.get_by_role("button", name="婉拒").click()
    expect(page.get_by_text("请填写婉拒的理由。")).to_be_visible()
    page.fill("#reason", "本季度人手不足。")
    screenshot(page, "rounds-invitation-phone")
    page.get_by_role("button", name="婉拒").click()
    expect(page.get_by_text("已婉拒邀请。")).to_be_visible()

    page.context.clear_cookies()
    login(page, organizer)
    page.goto(f"{live_server.url}/rounds/challenges/{challenge.id}")
    expect(page.get_by_test_id("invitations")).to_contain_text("本季度人手不足。")
