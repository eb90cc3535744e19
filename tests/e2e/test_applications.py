"""Browser walk: a group member applies to the open call with a three-line budget and an
attachment, and bids on a challenge; the organizer sees both in the list and exports XLSX.
Phone width throughout (390 px)."""
from __future__ import annotations

import io

import openpyxl
from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.rounds.models import PoolKind
from tests.factories import make_challenge, make_organisation, make_pool, make_round, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fill_proposal(page, title: str, lines):
    page.fill("#title", title)
    page.select_option("#category", "关爱帮扶")
    page.fill("#summary", "为海岛独居老人提供每月两次的陪伴和助餐服务。")
    page.fill("#objectives", "服务 50 位老人，满意度 90% 以上。")
    page.select_option("#region", "普陀区")
    page.fill("#start_date", "2026-04-01")
    page.fill("#end_date", "2026-12-31")
    page.fill("input[name='team-0-name']", "张海")
    page.fill("input[name='team-0-role']", "项目负责人")
    page.fill("input[name='plan-0-period']", "4月")
    page.fill("input[name='plan-0-activity']", "招募培训志愿者")
    for i, (item, category, quantity, price) in enumerate(lines):
        if page.locator(f"input[name='budget-{i}-item']").count() == 0:
            page.click("[data-add-row='budget']")
        page.fill(f"input[name='budget-{i}-item']", item)
        page.select_option(f"select[name='budget-{i}-category']", category)
        page.fill(f"input[name='budget-{i}-quantity']", quantity)
        page.fill(f"input[name='budget-{i}-unit_price']", price)


def test_group_applies_and_bids_and_organizer_exports(live_server, e2e_db, phone_page, login,
                                                      screenshot, tmp_path):
    page = phone_page
    page.on("dialog", lambda dialog: dialog.accept())  # 提交申报 asks first
    member = make_user(name="海韵 张队长")
    organisation = make_organisation(member, name="普陀区海韵志愿服务队", region="普陀区")
    organizer = make_user(roles=[Role.ORGANIZER], name="团市委 王老师")
    round_ = make_round(title="2026年志愿服务集市创投项目")
    make_pool(round_, kind=PoolKind.TARGETED, name="海岛定向扶持资金池")
    challenge = make_challenge(round_, title="斑马线守护")

    # --- the open call, with a three-line budget --------------------------------------
    login(page, member)
    page.goto(f"{live_server.url}/applications/new?round_id={round_.id}")
    expect(page.get_by_role("heading", name="新建申报")).to_be_visible()
    fill_proposal(page, "海岛老人陪伴计划", [("慰问品", "materials", "3", "33.33"),
                                          ("宣传单", "publicity", "100", "0.5"),
                                          ("交通", "transport", "2", "25")])
    expect(page.locator("[data-live-total]")).to_have_text("¥199.99")
    screenshot(page, "applications-form-phone")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()

    pdf = tmp_path / "项目方案.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("input[name=file]", str(pdf))
    page.get_by_role("button", name="上传附件").click()
    expect(page.get_by_text("附件已上传，草稿已保存。")).to_be_visible()
    expect(page.locator("[data-testid=attachments]")).to_contain_text("项目方案.pdf")
    screenshot(page, "applications-edit-with-attachment-phone")
    page.get_by_role("button", name="提交申报").click()
    expect(page.get_by_text("申报书已提交。", exact=False).first).to_be_visible()
    expect(page.locator("[data-status=submitted]")).to_be_visible()
    screenshot(page, "applications-detail-phone")

    # --- a bid on the challenge, saved and submitted in one go ------------------------
    page.goto(f"{live_server.url}/applications/new?challenge_id={challenge.id}")
    expect(page.get_by_text("斑马线守护").first).to_be_visible()
    fill_proposal(page, "学校路口文明劝导", [("反光背心", "materials", "20", "45"),
                                          ("志愿者保险", "other", "20", "25"),
                                          ("展板", "publicity", "2", "180"),
                                          ("饮用水", "materials", "10", "12")])  # row added by JS
    expect(page.locator("[data-live-total]")).to_have_text("¥1,880.00")
    page.get_by_role("button", name="提交申报").click()
    expect(page.locator("[data-status=submitted]")).to_be_visible()

    e2e_db.fresh()
    applications = {a.title: a for a in e2e_db.session.query(Application)}
    assert applications["海岛老人陪伴计划"].requested_fen == 19999
    assert applications["海岛老人陪伴计划"].status == ApplicationStatus.SUBMITTED
    assert applications["学校路口文明劝导"].challenge_id == challenge.id
    assert applications["学校路口文明劝导"].pool_id == challenge.pool_id
    assert len(applications["学校路口文明劝导"].budget_lines) == 4
    assert applications["学校路口文明劝导"].requested_fen == 188_000
    assert organisation.id == applications["学校路口文明劝导"].organisation_id

    # --- the organizer's list and the XLSX export -----------------------------------
    page.context.clear_cookies()
    login(page, organizer)
    page.goto(f"{live_server.url}/applications/?round_id={round_.id}")
    table = page.locator("[data-testid=applications-table]")
    expect(table).to_contain_text("海岛老人陪伴计划")
    expect(table).to_contain_text("学校路口文明劝导")
    screenshot(page, "applications-organizer-list-phone")
    with page.expect_download() as download_info:
        page.locator("[data-testid=export-xlsx]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())).active
    titles = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles == {"海岛老人陪伴计划", "学校路口文明劝导"}
