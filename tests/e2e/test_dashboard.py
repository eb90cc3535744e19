"""Browser walk: the public dashboard, a county picked on the map, the phone width, and the
wall screen refreshing itself without a reload."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.history.services import import_history
from tests.factories import make_project, make_stats_round

DEMO = Path(__file__).resolve().parents[2] / "marketplace" / "history" / "data" / \
    "history_demo.csv"


def _history():
    assert import_history(None, DEMO.read_bytes()).ok
    db.session.commit()


def test_dashboard_charts_and_filtering_by_a_county_on_the_map(live_server, e2e_db, page,
                                                               screenshot):
    _history()
    page.goto(live_server.url + "/dashboard")
    expect(page.locator('[data-chart="by_year"] canvas')).to_be_visible()
    expect(page.locator('[data-chart="by_category"] canvas')).to_be_visible()
    expect(page.get_by_test_id("kpis")).to_contain_text("20.8万元")  # 2025: ¥208,000.00
    page.wait_for_timeout(800)
    screenshot(page, "dashboard-desktop")

    page.locator('.map-region[data-region="嵊泗县"] path').first.click()
    expect(page).to_have_url(re.compile(r"region=%E5%B5%8A%E6%B3%97%E5%8E%BF|region=嵊泗县"))
    expect(page.get_by_test_id("region-filter")).to_contain_text("嵊泗县")
    expect(page.locator('.map-region.active[data-region="嵊泗县"]')).to_have_count(1)
    api = page.request.get(live_server.url + "/api/v1/rounds").json()["rounds"]
    latest = max(api, key=lambda r: r["year"])
    stats = page.request.get(
        f"{live_server.url}/api/v1/rounds/{latest['id']}/stats?region=嵊泗县").json()
    expect(page.locator('[data-kpi="awarded_projects"]')).to_have_text(
        str(stats["awarded_projects"]))
    screenshot(page, "dashboard-county-shengsi")

    # again: the filter is cleared
    page.locator('.map-region[data-region="嵊泗县"] path').first.click()
    expect(page.get_by_test_id("region-filter")).to_have_count(0)


def test_dashboard_fits_a_phone(live_server, e2e_db, phone_page, screenshot):
    _history()
    phone_page.goto(live_server.url + "/dashboard")
    expect(phone_page.locator('[data-chart="by_year"] canvas')).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(phone_page, "dashboard-phone")


def test_wall_screen_refreshes_without_reloading(live_server, e2e_db, page, screenshot):
    _history()
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(live_server.url + "/dashboard/screen")
    expect(page.locator('[data-chart="by_year"] canvas')).to_be_visible()
    expect(page.locator('[data-kpi="awarded_projects"]')).to_have_text("10")  # 2025
    page.wait_for_timeout(800)
    screenshot(page, "dashboard-screen")

    page.evaluate("window.__sameDocument = true")
    latest = make_stats_round(2026)  # a newer year with one award becomes the round shown
    make_project(latest, amount_fen=4_200_000, region="岱山县")
    page.evaluate("window.dashboardRefresh()")  # what the minute timer calls
    expect(page.locator('[data-kpi="awarded_projects"]')).to_have_text("1")
    expect(page.locator('[data-kpi="awarded_amount_label"]')).to_have_text("4.2万元")
    assert page.evaluate("window.__sameDocument") is True  # no page reload happened
    expect(page.locator('.map-region[data-region="岱山县"]')).to_have_class(
        re.compile(r"level-5"))
    page.wait_for_timeout(800)  # let the charts' transition finish before the picture
    screenshot(page, "dashboard-screen-refreshed")


def test_organizer_uploads_history_and_sees_every_bad_row(live_server, e2e_db, page, login,
                                                         screenshot, tmp_path):
    from marketplace.accounts.models import Role
    from tests.factories import make_user

    organizer = make_user(roles=[Role.ORGANIZER])
    login(page, organizer)
    page.goto(live_server.url + "/history/import")
    bad = tmp_path / "history.csv"
    bad.write_text(DEMO.read_text(encoding="utf-8").replace(
        "52330903612000079L", "52330903612000079X"), encoding="utf-8")
    page.set_input_files('input[name="file"]', str(bad))
    page.get_by_role("button", name="导入").click()
    problems = page.get_by_test_id("import-problems")
    expect(problems).to_be_visible()
    expect(problems.locator("tbody tr")).to_have_count(5)  # each of 海韵's five rows
    screenshot(page, "history-import-problems")

    page.set_input_files('input[name="file"]', str(DEMO))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("新增 54 条，未变 0 条")
    screenshot(page, "history-import-done")


def test_a_year_still_in_review_reads_in_progress_not_a_fall(live_server, e2e_db, page,
                                                              screenshot):
    from marketplace.rounds.models import RoundStatus

    _history()
    running = make_stats_round(2026, status=RoundStatus.REVIEWING)
    page.goto(live_server.url + "/dashboard")
    table = page.get_by_test_id("table-by_year")
    expect(table.locator("tbody tr").last).to_contain_text("进行中")
    expect(table).not_to_contain_text("-100.0%")
    expect(page.locator("#panel-by_year .dash-footnote")).to_contain_text("不计同比增长")
    page.goto(f"{live_server.url}/dashboard/screen?round={running.id}")
    expect(page.locator('[data-kpi="growth"]')).to_have_text("进行中")
    page.evaluate("window.dashboardRefresh()")  # the refreshed figures say so too
    expect(page.locator('[data-kpi="growth"]')).to_have_text("进行中")
    screenshot(page, "dashboard-screen-year-in-progress")


def test_import_page_explains_the_columns_and_offers_the_template(live_server, e2e_db, page,
                                                                  login):
    from marketplace.accounts.models import Role
    from tests.factories import make_user

    login(page, make_user(roles=[Role.ORGANIZER]))
    page.goto(live_server.url + "/history/import")
    # The 11 columns of the format and the optional themes (主题).
    expect(page.get_by_test_id("import-columns").locator("tbody tr")).to_have_count(12)
    with page.expect_download() as download:
        page.get_by_test_id("template-link").click()
    assert download.value.suggested_filename == "history_template.csv"
