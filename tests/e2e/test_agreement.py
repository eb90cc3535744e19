"""Browser walk of the project page and its agreement at phone width: the group's owner opens
its awarded project, reads the agreement, signs it in the app (the button asks first), and
sees it signed with its payee shown masked and through its host unit; the organizer's page
of the round's agreement text reads in English. Screenshots in
test-artifacts/screenshots/agreement-*.png."""
from __future__ import annotations

from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.funds import agreements, payees
from tests.factories import (
    make_awarded,
    make_finance,
    make_organisation,
    make_organizer,
    make_payee,
    make_review_round,
    make_user,
)


def _no_sideways_scroll(page):
    scroll, window = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= window, (scroll, window)


def test_the_group_signs_its_agreement_on_a_phone(live_server, e2e_db, phone_page, login,
                                                   screenshot):
    page = phone_page
    member = make_user(name="海韵 张队长")
    organisation = make_organisation(member, name="普陀区海韵志愿服务队", region="普陀区")
    make_payee(organisation, "6228480398765432101", host_unit="普陀区东港街道团工委")
    award = make_awarded(make_review_round(title="2026年海岛志愿服务专项创投"), organisation,
                         title="海岛老人陪伴计划")
    asked: list[str] = []

    def accept(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    login(page, member)
    page.goto(f"{live_server.url}/applications/{award.application_id}")
    page.get_by_test_id("project-link").click()
    expect(page.get_by_test_id("project-title")).to_have_text("海岛老人陪伴计划")
    expect(page.get_by_test_id("agreement-status")).to_have_text("待签署")
    expect(page.get_by_test_id("payee-masked")).to_have_text("6228 **** **** 2101")
    expect(page.get_by_test_id("payee-host-unit")).to_contain_text(
        "经依托单位 普陀区东港街道团工委")
    expect(page.get_by_test_id("next-steps")).to_contain_text("签署项目协议书")
    _no_sideways_scroll(page)
    screenshot(page, "agreement-phone-01-project")

    page.get_by_test_id("agreement-link").click()
    expect(page.get_by_test_id("agreement-text")).to_contain_text("普陀区海韵志愿服务队")
    form = page.get_by_test_id("sign-form")
    # Without a name the form comes back with the message next to it.
    form.get_by_label("我已阅读协议书全文，代表本组织同意并签署。").check()
    form.get_by_role("button", name="确认并签署").click()
    expect(page.locator("#signer_name-error")).to_contain_text("请填写签署人姓名")
    _no_sideways_scroll(page)
    screenshot(page, "agreement-phone-02-form")

    form = page.get_by_test_id("sign-form")
    form.get_by_label("签署人姓名").fill("张海韵")
    form.get_by_label("我已阅读协议书全文，代表本组织同意并签署。").check()
    form.get_by_role("button", name="确认并签署").click()
    expect(page.get_by_text("项目协议书已签署。")).to_be_visible()
    assert asked and "签署后协议书不能再修改" in asked[-1]
    expect(page.get_by_test_id("agreement-status")).to_have_text("已签署")
    expect(page.get_by_test_id("next-steps")).to_contain_text("按预算登记资金使用")
    _no_sideways_scroll(page)
    screenshot(page, "agreement-phone-03-signed")

    e2e_db.fresh()
    found = agreements.agreement_of(award)
    assert found.signer_name == "张海韵" and found.pdf_sha256 and found.signed_ip
    page.goto(f"{live_server.url}/projects/{award.application_id}/agreement")
    expect(page.get_by_test_id("signer")).to_have_text("张海韵")
    expect(page.get_by_test_id("sign-form")).to_have_count(0)
    screenshot(page, "agreement-phone-04-agreement-signed")
    e2e_db.fresh()


def test_the_organizer_s_agreement_text_page_in_english_at_both_widths(
        live_server, e2e_db, page, phone_page, login, screenshot):
    organizer = make_organizer()
    round_ = make_review_round(title="2026年海岛志愿服务专项创投")
    for name, p in (("desktop", page), ("phone", phone_page)):
        login(p, organizer)
        p.context.add_cookies([{"name": "lang", "value": "en", "url": live_server.url}])
        p.goto(f"{live_server.url}/rounds/{round_.id}/agreement")
        expect(p.get_by_role("heading", name="Project agreement text")).to_be_visible()
        expect(p.get_by_test_id("agreement-fields")).to_contain_text("{organisation}")
        _no_sideways_scroll(p)
        screenshot(p, f"agreement-{name}-05-text-en")
    e2e_db.fresh()


def test_finance_confirms_a_changed_account_on_a_phone_in_english(
        live_server, e2e_db, phone_page, login, screenshot):
    page = phone_page
    organisation = make_organisation(name="定海区红帆青年志愿者协会")
    make_payee(organisation, "6222021207001234567")
    owner = organisation.memberships[0].user
    payees.record_payee(owner, organisation, payees.PayeeData(
        account_name="定海区红帆青年志愿者协会", bank="中国建设银行舟山分行营业部",
        account_number="6217001540009876543"))
    db.session.commit()
    finance = make_finance(name="财务 赵会计")
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, finance)
    page.context.add_cookies([{"name": "lang", "value": "en", "url": live_server.url}])
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Payee account changes to confirm").click()
    expect(page.get_by_test_id("old-number")).to_have_text("6222 0212 0700 1234 567")
    expect(page.get_by_test_id("new-number")).to_have_text("6217 0015 4000 9876 543")
    _no_sideways_scroll(page)
    screenshot(page, "agreement-phone-06-payee-change-en")
    page.get_by_role("button", name="Confirm the new account").click()
    expect(page.get_by_test_id("no-payee-changes")).to_be_visible()
    screenshot(page, "agreement-phone-07-payee-confirmed-en")
    e2e_db.fresh()
