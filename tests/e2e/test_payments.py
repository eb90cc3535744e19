"""Browser walk of a release and a payment, at phone width: the organizer requests the first
tranche's release, finance (another person) approves it on the workbench's project and pays it
with a voucher number and its scan, and the group sees the payment on its project's money
page. The payee is the group's own account, confirmed by finance, copied onto the award when
the group signed its agreement.
Screenshots: test-artifacts/screenshots/payments-phone-*.png."""
from __future__ import annotations

from playwright.sync_api import expect

from marketplace.accounts.models import Role
from tests.factories import (
    PDF,
    make_awarded,
    make_organisation,
    make_organizer,
    make_payee,
    make_review_round,
    make_user,
    sign,
)


def test_organizer_requests_finance_approves_and_pays_the_group_sees_it_on_a_phone(
        live_server, e2e_db, phone_page, login, screenshot, tmp_path):
    page = phone_page
    page.on("dialog", lambda dialog: dialog.accept())
    member = make_user(name="海岛 周社长")
    organisation = make_organisation(member, name="嵊泗县海岛公益服务社", region="嵊泗县")
    organizer = make_organizer(name="团市委 王老师")
    finance = make_user(name="财务 赵会计", roles=[Role.FINANCE])
    award = make_awarded(make_review_round(title="2026年海岛志愿服务专项创投"), organisation,
                         organizer=organizer, title="海岛老人陪伴计划")  # ¥1,500 / ¥900 / ¥600
    scan = tmp_path / "凭证.pdf"
    scan.write_bytes(PDF)
    money = f"{live_server.url}/projects/{award.application_id}/money"

    # The group has recorded its account (confirmed by finance) and signed the agreement.
    make_payee(organisation, "6228480312345678901", finance=finance)
    sign(award)
    login(page, organizer)
    page.goto(money)
    first = page.get_by_test_id("tranche-1")
    expect(first).to_have_attribute("data-state", "releasable")
    screenshot(page, "payments-phone-01-organizer")
    page.get_by_test_id("tranche-actions").get_by_role("button", name="申请下达").click()
    expect(page.get_by_text("已申请下达，等待财务审批。")).to_be_visible()
    expect(page.get_by_test_id("tranche-1")).to_have_attribute("data-state",
                                                               "release_requested")
    # The requester cannot approve: no such button for the organizer.
    expect(page.get_by_role("button", name="批准下达")).to_have_count(0)

    page.context.clear_cookies()
    login(page, finance)
    page.goto(f"{live_server.url}/funds/workbench")
    expect(page.get_by_test_id("releases-waiting")).to_contain_text("海岛老人陪伴计划")
    screenshot(page, "payments-phone-02-workbench")
    page.get_by_test_id("releases-waiting").get_by_role("link",
                                                        name="海岛老人陪伴计划").click()
    page.get_by_role("button", name="批准下达").click()
    expect(page.get_by_text("已批准下达，可以登记拨付。")).to_be_visible()
    page.get_by_test_id("pay-1").click()
    expect(page.get_by_test_id("payee-full")).to_contain_text("6228480312345678901")
    form = page.get_by_test_id("payment-form")
    expect(form.get_by_label("拨付金额（元）")).to_have_value("1500.00")
    form.get_by_label("凭证号").fill("")
    form.get_by_label("凭证扫描件（PDF、JPG、PNG，不超过 10 MB）").set_input_files(str(scan))
    form.get_by_role("button", name="登记拨付").click()
    expect(page.get_by_text("请填写凭证号。")).to_be_visible()  # kept what was typed
    expect(form.get_by_label("拨付金额（元）")).to_have_value("1500.00")
    screenshot(page, "payments-phone-03-refused")
    form.get_by_label("凭证号").fill("记-2026-0315")
    form.get_by_label("凭证扫描件（PDF、JPG、PNG，不超过 10 MB）").set_input_files(str(scan))
    form.get_by_role("button", name="登记拨付").click()
    expect(page.get_by_text("已登记拨付 ¥1,500.00，凭证号 记-2026-0315。")).to_be_visible()
    expect(page.get_by_test_id("tranche-1")).to_have_attribute("data-state", "paid")
    screenshot(page, "payments-phone-04-paid")

    page.context.clear_cookies()
    login(page, member)
    page.goto(money)
    expect(page.get_by_test_id("tranche-1")).to_contain_text("记-2026-0315")
    expect(page.get_by_test_id("paid")).to_have_text("¥1,500.00")
    expect(page.get_by_test_id("payee")).to_contain_text("6228 **** **** 8901")
    expect(page.get_by_role("button", name="批准下达")).to_have_count(0)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(page, "payments-phone-05-group")

    page.context.clear_cookies()
    login(page, finance)
    page.goto(f"{live_server.url}/rounds/{award.round_id}/money")
    expect(page.get_by_test_id("award-money")).to_contain_text("海岛老人陪伴计划")
    expect(page.get_by_test_id("round-total")).to_contain_text("¥1,500.00")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(page, "payments-phone-06-round-money")
