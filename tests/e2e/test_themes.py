"""Browser walk (390 px): a group ticks two themes (主题) of the round on its proposal; the
detail page lists them; the dashboard shows the theme panel of a themed round."""
from __future__ import annotations

from playwright.sync_api import expect

from marketplace.applications.models import ApplicationTheme
from marketplace.extensions import db
from tests.e2e.test_applications import fill_proposal
from tests.factories import make_organisation, make_project, make_round, make_stats_round, make_user


def test_a_group_ticks_themes_and_the_dashboard_counts_them(live_server, e2e_db, phone_page,
                                                             login, screenshot):
    page = phone_page
    member = make_user(name="海韵 张队长")
    make_organisation(member, name="普陀区海韵志愿服务队", region="普陀区")
    round_ = make_round(title="2026年志愿服务集市创投项目", themes=["文明创建", "建党百年"])

    login(page, member)
    page.goto(f"{live_server.url}/applications/new?round_id={round_.id}")
    fill_proposal(page, "渔村文明实践宣讲", [("宣传单", "publicity", "100", "0.5")])
    page.get_by_label("文明创建").check()
    page.get_by_label("建党百年").check()
    screenshot(page, "themes-application-form-phone")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()
    expect(page.get_by_label("文明创建")).to_be_checked()
    expect(page.get_by_label("建党百年")).to_be_checked()

    closed = make_stats_round(2025, themes=["文明创建", "建党百年"])
    tagged = make_project(closed, amount_fen=2_000_000, category="理论宣讲")
    db.session.add(ApplicationTheme(application=tagged, theme="文明创建"))
    db.session.commit()
    page.goto(f"{live_server.url}/dashboard?round={closed.id}")
    panel = page.locator('[data-chart="by_theme"]')
    expect(panel).to_be_visible()
    page.wait_for_timeout(800)
    screenshot(page, "themes-dashboard-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
