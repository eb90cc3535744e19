"""Browser walks at phone width (390 px) for issue 11: the form says which pool the project
goes to, the first upload saves the draft, rows are removed, the section links and the
completeness indicator (points 1 and 15); a group takes its application back and copies it
(point 14); the organizer moves an application to another pool (point 1); staff outside any
group see no applicant calls to action (point 8)."""
from __future__ import annotations

from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.rounds.models import PoolKind
from tests.e2e.test_applications import PDF, fill_proposal
from tests.factories import make_application, make_organisation, make_pool, make_round, make_user


def test_island_group_files_takes_back_and_copies_on_a_phone(live_server, e2e_db, phone_page,
                                                             login, screenshot, tmp_path):
    page = phone_page
    page.on("dialog", lambda dialog: dialog.accept())  # 提交申报 and 取回修改 ask first
    member = make_user(name="嵊泗 周社长")
    make_organisation(member, name="嵊泗县海岛公益服务社", region="嵊泗县")
    round_ = make_round(title="2026年志愿服务集市创投项目")
    make_pool(round_, kind=PoolKind.TARGETED, name="嵊泗县定向扶持资金池", regions=["嵊泗县"])

    login(page, member)
    page.goto(f"{live_server.url}/applications/new?round_id={round_.id}")
    expect(page.get_by_test_id("destination-pool")).to_contain_text(
        "本项目将进入：嵊泗县定向扶持资金池")
    expect(page.get_by_test_id("form-sections")).to_be_visible()
    expect(page.get_by_test_id("completeness")).to_contain_text("0 / 8")
    fill_proposal(page, "海岛渔嫂互助课堂", [("课堂物资", "materials", "10", "30"),
                                          ("多余的一行", "other", "1", "99"),
                                          ("宣传海报", "publicity", "4", "25")])
    expect(page.locator("[data-live-total]")).to_have_text("¥499.00")
    # The × takes a row away; the total follows.
    page.locator("tr[data-budget-row]").nth(1).get_by_role("button", name="删除这一行").click()
    expect(page.locator("tr[data-budget-row]")).to_have_count(2)
    expect(page.locator("[data-live-total]")).to_have_text("¥400.00")
    screenshot(page, "applicants-new-form-phone")

    # The first upload saves the draft with everything typed so far.
    pdf = tmp_path / "实施方案.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("input[name=file]", str(pdf))
    page.get_by_test_id("upload").click()
    expect(page.get_by_text("附件已上传，草稿已保存。")).to_be_visible()
    expect(page.locator("[data-testid=attachments]")).to_contain_text("实施方案.pdf")
    expect(page.get_by_test_id("completeness")).to_contain_text("8 / 8")
    # The section links jump to each part; the bar stays at the top on a phone.
    page.get_by_test_id("form-sections").get_by_role("link", name="预算明细").click()
    expect(page.locator("#budget")).to_be_in_viewport()
    expect(page.get_by_test_id("form-sections")).to_be_in_viewport()
    screenshot(page, "applicants-edit-form-phone")

    page.get_by_role("button", name="提交申报").click()
    expect(page.locator("[data-status=submitted]")).to_be_visible()
    e2e_db.fresh()
    application = e2e_db.session.query(Application).one()
    assert application.pool.name == "嵊泗县定向扶持资金池"
    assert [b.item for b in application.budget_lines] == ["课堂物资", "宣传海报"]

    # Taken back before the deadline, it is a draft again (the button asks first).
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="取回修改").click()
    expect(page.get_by_text("申报书已取回为草稿")).to_be_visible()
    expect(page.locator("[data-status=draft]")).to_be_visible()
    screenshot(page, "applicants-taken-back-phone")

    # A copy starts a new draft with the same proposal.
    page.goto(f"{live_server.url}/applications/{application.id}")
    page.get_by_test_id("copy-application").click()
    screenshot(page, "applicants-copy-phone")
    page.get_by_role("button", name="复制并编辑").click()
    expect(page.get_by_text("已复制为新的申报草稿")).to_be_visible()
    expect(page.locator("#title")).to_have_value("海岛渔嫂互助课堂")
    e2e_db.fresh()
    assert e2e_db.session.query(Application).count() == 2


def test_organizer_moves_an_application_to_another_pool_on_a_phone(live_server, e2e_db,
                                                                   phone_page, login,
                                                                   screenshot):
    page = phone_page
    organizer = make_user(roles=[Role.ORGANIZER], name="团市委 王老师")
    group = make_organisation(make_user(), name="嵊泗县海岛公益服务社", region="嵊泗县")
    round_ = make_round(title="2026年志愿服务集市创投项目")
    make_pool(round_, kind=PoolKind.TARGETED, name="嵊泗县定向扶持资金池", regions=["嵊泗县"])
    application = make_application(round_, group, status=ApplicationStatus.SUBMITTED,
                                   title="海岛渔嫂互助课堂")

    login(page, organizer)
    page.goto(f"{live_server.url}/applications/{application.id}")
    expect(page.get_by_test_id("application-pool")).to_contain_text("嵊泗县定向扶持资金池")
    form = page.get_by_test_id("pool-move-form")
    form.get_by_label("调整到资金池").select_option(label="综合资金池（综合资金池）")
    form.get_by_role("button", name="调整").click()
    expect(page.get_by_text("请填写调整资金池的理由")).to_be_visible()
    page.get_by_test_id("pool-move-form").get_by_label("调整原因").fill("定向资金已分配完毕")
    page.get_by_test_id("pool-move-form").get_by_role("button", name="调整").click()
    expect(page.get_by_text("已调整到资金池“综合资金池”")).to_be_visible()
    expect(page.get_by_test_id("application-pool")).to_contain_text("由团市委调整：定向资金已分配完毕")
    screenshot(page, "applicants-pool-moved-phone")


def test_staff_see_no_applicant_calls_to_action_on_a_phone(live_server, e2e_db, phone_page,
                                                           login, screenshot):
    page = phone_page
    organizer = make_user(roles=[Role.ORGANIZER], name="团市委 王老师")
    round_ = make_round(title="2026年志愿服务集市创投项目")
    login(page, organizer)
    page.goto(f"{live_server.url}/rounds/{round_.id}")
    expect(page.get_by_role("heading", name="2026年志愿服务集市创投项目")).to_be_visible()
    expect(page.get_by_test_id("apply-open-call")).to_have_count(0)
    page.get_by_role("button", name="菜单").click()
    expect(page.locator("#nav")).to_be_visible()
    expect(page.locator("#nav").get_by_role("link", name="我的申报")).to_have_count(0)
    expect(page.locator("#nav").get_by_role("link", name="我的组织")).to_have_count(0)
    screenshot(page, "applicants-staff-round-phone")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("登记我的志愿服务组织")).to_have_count(0)
