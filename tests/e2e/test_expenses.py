"""Browser walks of the spending pages.

- At phone width, a group records an expense with its invoice scan and sees what its budget
  line has left; a refused form keeps what was typed.
- Every spending page renders for each role that sees it, in Chinese and English, at phone
  and desktop width: no sideways scrolling on a phone, no Chinese left on an English page
  (apart from data), a screenshot of each (test-artifacts/screenshots/spending-*.png).
"""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.funds import expenses, sources
from marketplace.funds.spending_models import FundingSourceKind
from marketplace.rounds.models import BudgetCategory
from tests.factories import (
    PDF,
    make_awarded,
    make_expense,
    make_organisation,
    make_organizer,
    make_review_round,
    make_source,
    make_user,
    make_variation,
)

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")
DATA_IN_CHINESE = {"中文", "定海区", "普陀区", "岱山县", "嵊泗县"}


def test_a_group_records_an_expense_with_its_invoice_scan_on_a_phone(
        live_server, e2e_db, phone_page, login, screenshot, tmp_path):
    page = phone_page
    member = make_user(name="海韵 张队长")
    organisation = make_organisation(member, name="普陀区海韵志愿服务队", region="普陀区")
    award = make_awarded(make_review_round(title="2026年海岛志愿服务专项创投"), organisation,
                         title="海岛老人陪伴计划")  # lines: ¥1,500, ¥500, ¥1,000
    scan = tmp_path / "发票.pdf"
    scan.write_bytes(PDF)
    wrong = tmp_path / "发票.png"
    wrong.write_bytes(b"not an image at all")

    login(page, member)
    page.goto(f"{live_server.url}/projects/{award.application_id}/expenses")
    expect(page.get_by_role("heading", name="资金使用", exact=True)).to_be_visible()
    expect(page.get_by_test_id("remaining-1")).to_have_text("¥1,500.00")
    screenshot(page, "spending-phone-01-empty")

    form = page.get_by_test_id("expense-form")
    form.get_by_label("预算项目").select_option(label="活动物资（余 ¥1,500.00）")
    form.get_by_label("支出日期").fill("2026-01-05")
    form.get_by_label("金额（元）").fill("320.50")
    form.get_by_label("收款方").fill("舟山文具店")
    form.get_by_label("用途说明").fill("陪伴活动用品")
    form.get_by_label("发票号码").fill("0441 0001")
    form.locator("input[name=scan]").set_input_files(str(wrong))
    form.get_by_role("button", name="登记支出").click()
    # Refused next to the scan; what was typed stays.
    expect(page.locator("#scan-error")).to_contain_text("内容与类型不符")
    expect(page.get_by_label("收款方")).to_have_value("舟山文具店")
    screenshot(page, "spending-phone-02-refused")

    page.get_by_test_id("expense-form").locator("input[name=scan]").set_input_files(str(scan))
    page.get_by_test_id("expense-form").get_by_role("button", name="登记支出").click()
    expect(page.get_by_text("支出已登记。")).to_be_visible()
    expect(page.get_by_test_id("remaining-1")).to_have_text("¥1,179.50")
    expect(page.get_by_test_id("expenses")).to_contain_text("舟山文具店")
    expect(page.get_by_test_id("expenses").get_by_role("link", name="发票.pdf")).to_be_visible()
    scroll, window = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= window
    screenshot(page, "spending-phone-03-recorded")
    e2e_db.fresh()
    assert expenses.accepted_total(award.id) == Decimal("320.50")


# --- every page, every role, both languages, both widths -----------------------------------

class Walk:
    def __init__(self, page, lang: str, width: str, base: str, screenshot, login):
        self.page, self.lang, self.width, self.base = page, lang, width, base
        self._screenshot, self._login = screenshot, login
        self.untranslated: dict[str, set[str]] = {}

    def t(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh_CN" else en

    def as_user(self, user) -> None:
        self.page.context.clear_cookies()
        self.page.context.add_cookies([{"name": "lang", "value": self.lang, "url": self.base}])
        self._login(self.page, user)

    def visit(self, name: str, path: str, key_text: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, (path, response.status)
        page = self.page
        expect(page.locator("html")).to_have_attribute(
            "lang", "zh-CN" if self.lang == "zh_CN" else "en")
        expect(page.locator("main")).to_contain_text(key_text)
        if self.width == "phone":
            scroll, window = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= window, f"{name}: {scroll}px wide in a {window}px window"
        if self.lang == "en":
            leftovers = set(CJK.findall(page.evaluate("() => document.body.innerText")))
            leftovers -= DATA_IN_CHINESE
            if leftovers:
                self.untranslated[name] = leftovers
        self._screenshot(page, f"spending-{self.lang}-{self.width}-{name}")


def _story(lang: str):
    """Two projects of one round: A spent (one line over budget, asked about and explained,
    an invoice also used by B), a variation waiting; B awarded below its request, its revised
    budget not yet in. The pool is split between two sources."""
    def n(zh, en):
        return zh if lang == "zh_CN" else en

    organizer = make_organizer(name=n("团市委 王老师", "Olivia Organizer"), locale=lang)
    finance = make_user(roles=[Role.FINANCE], name=n("财务 赵会计", "Fiona Finance"),
                        locale=lang)
    owner = make_user(name=n("张队长", "Oscar Owner"), locale=lang)
    other = make_user(name=n("林主任", "Lin Leader"), locale=lang)
    round_ = make_review_round(title=n("2026年海岛志愿服务专项创投", "2026 Island Volunteering"))
    pool = round_.pools[0]
    pool.name = n("综合资金池", "General pool")
    league = make_source(FundingSourceKind.LEAGUE, actor=organizer)
    firm = make_source(FundingSourceKind.ENTERPRISE, n("舟山海洋渔业集团", "Zhoushan Fisheries"),
                       actor=organizer)
    sources.set_pool_sources(organizer, pool, [sources.SliceData(firm.id, Decimal("100000")),
                                               sources.SliceData(league.id, None)])
    lines = [(n("净滩工具", "Beach tools"), BudgetCategory.MATERIALS, "1", "3600"),
             (n("渡轮往返", "Ferry tickets"), BudgetCategory.TRANSPORT, "12", "600"),
             (n("宣传物料", "Posters"), BudgetCategory.PUBLICITY, "1", "2800")]
    a = make_awarded(round_, make_organisation(owner, name=n("岱山县蓝色港湾志愿服务中心",
                                                            "Blue Harbour Volunteers"),
                                               region="岱山县"),
                     lines=lines, organizer=organizer,
                     title=n("衢山岛海岸线净滩守护行动", "Qushan Beach Clean-up"))
    b = make_awarded(round_, make_organisation(other, name=n("嵊泗县枸杞岛青年志愿服务队",
                                                            "Gouqi Island Youth Team"),
                                               region="嵊泗县"),
                     lines=lines, organizer=organizer, amount="12000.00",
                     title=n("枸杞岛渔家孩子假日课堂", "Gouqi Holiday Classes"))
    paid = dict(payee=n("岱山县衢山五金店", "Qushan Hardware"),
                description=n("活动用品", "Supplies"), filename=n("发票.pdf", "invoice.pdf"))
    c = make_awarded(round_, a.application.organisation, lines=lines, organizer=organizer,
                     title=n("衢山岛海洋垃圾分类宣传", "Qushan Waste Sorting"))
    make_expense(a, line_key=1, amount="3520.00", invoice="33090011", **paid)
    make_expense(a, line_key=2, amount="8400.00", invoice="33090012", **paid)
    make_expense(a, line_key=3, amount="1200.00", invoice="33090088", **paid)
    make_expense(c, line_key=3, amount="800.00", invoice="3309-0088", **paid)
    db.session.commit()
    expenses.ask_explanation(organizer, a, 2, n("渡轮往返超支，请说明。",
                                                "Ferry tickets are over budget: why?"))
    expenses.answer_explanation(owner, a, 2, n("台风改期，坐了加班船。",
                                               "A typhoon moved two trips to extra boats."))
    db.session.commit()
    variation = make_variation(a, k1="2000.00", k3="4400.00",  # 11.8% moved: to approve
                               reason=n("宣传物料增加", "More posters"))
    return organizer, finance, owner, other, round_, pool, firm, a, b, c, variation


@pytest.mark.parametrize("width", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_spending_page_renders(lang, width, request, live_server, e2e_db, login,
                                     screenshot):
    page = request.getfixturevalue("phone_page" if width == "phone" else "page")
    walk = Walk(page, lang, width, live_server.url, screenshot, login)
    t = walk.t
    organizer, finance, owner, other, round_, pool, firm, a, b, c, variation = _story(lang)
    pa, pb = f"/projects/{a.application_id}", f"/projects/{b.application_id}"
    pc = f"/projects/{c.application_id}"

    walk.as_user(owner)
    walk.visit("member-expenses", f"{pa}/expenses", t("预算执行", "Budget execution"))
    walk.visit("member-budget", f"{pa}/budget", t("版本记录", "Versions"))
    walk.visit("member-variation", f"{pa}/variations/{variation.id}", t("调整理由", "Reason"))
    walk.visit("member-variation-form", f"{pc}/variations/new",
               t("申请预算调整", "Request a budget variation"))
    walk.as_user(other)
    walk.visit("member-revision-needed", f"{pb}/expenses",
               t("提交调整后的预算", "Submit the revised budget"))
    walk.visit("member-revised-budget-form", f"{pb}/budget",
               t("提交调整后的预算", "Submit the revised budget"))

    walk.as_user(organizer)
    walk.visit("organizer-expenses", f"{pa}/expenses", t("请项目组说明", "Ask the group"))
    walk.visit("organizer-variation", f"{pa}/variations/{variation.id}", t("批准", "Approve"))
    walk.visit("organizer-round", f"/rounds/{round_.id}/spending",
               t("资金使用规则", "Spending rules"))
    walk.visit("organizer-sources", "/sources", t("添加资金来源", "Add a funding source"))
    walk.visit("organizer-source-edit", f"/sources/{firm.id}/edit",
               t("编辑资金来源", "Edit funding source"))
    walk.visit("organizer-round-sources", f"/rounds/{round_.id}/sources",
               t("按来源汇总", "By source"))
    walk.visit("organizer-pool-sources", f"/pools/{pool.id}/sources",
               t("资金池的来源", "The pool's sources"))

    walk.as_user(finance)
    walk.visit("finance-round", f"/rounds/{round_.id}/spending",
               t("导出预算执行", "Export budget execution"))
    assert walk.untranslated == {}, walk.untranslated
