"""The public dashboard, its JSON, the wall screen and the panel registry."""
from __future__ import annotations

import json
import re
from pathlib import Path

from marketplace.extensions import db
from marketplace.history.services import import_history
from marketplace.stats import panels
from tests.factories import make_project, make_round, make_stats_round

DEMO = Path(__file__).resolve().parents[2] / "marketplace" / "history" / "data" / \
    "history_demo.csv"


def data_block(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>',
                      html, re.S)
    return json.loads(match.group(1))


def test_dashboard_is_public_and_shows_every_panel_with_its_table(app, client):
    assert import_history(None, DEMO.read_bytes()).ok
    db.session.commit()
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for key in ("by_year", "map", "by_category", "shares", "pipeline"):
        assert f'data-testid="table-{key}"' in html
    assert 'data-testid="county-map"' in html
    for region in app.config["REGIONS"]:
        assert f'data-region="{region}"' in html
    data = data_block(html)
    assert data["round"]["year"] == 2025
    assert [row[0] for row in data["panels"]["by_year"]["rows"]] == list(range(2018, 2026))


def test_dashboard_has_no_inline_executable_script(app, client):
    make_project(make_stats_round(2024))
    html = client.get("/dashboard").get_data(as_text=True)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag
    assert "style=" not in html


def test_clicking_a_county_filters_the_dashboard(app, client):
    round_ = make_stats_round(2024)
    make_project(round_, amount_fen=1_000_000, region="定海区")
    make_project(round_, amount_fen=300_000, region="嵊泗县")
    html = client.get("/dashboard").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" class="map-region[^"]*" data-region="嵊泗县"', html)
    filtered = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert 'data-testid="region-filter"' in filtered
    kpis = data_block(filtered)["kpis"]
    assert (kpis["awarded_projects"], kpis["awarded_amount"]) == (1, "3000.00")
    # the chosen county is marked, and its link now clears the filter
    assert re.search(r'href="/dashboard\?round=\d+" class="map-region level-\d active"', filtered)


def test_map_colours_counties_by_money(app, client):
    round_ = make_stats_round(2024)
    make_project(round_, amount_fen=1_000_000, region="定海区")
    make_project(round_, amount_fen=200_000, region="普陀区")
    levels = data_block(client.get("/dashboard").get_data(as_text=True))[
        "panels"]["map"]["chart"]["levels"]
    assert levels["定海区"]["level"] == 5 and levels["普陀区"]["level"] == 1
    assert levels["岱山县"]["level"] == 0 and levels["定海区"]["amount"] == "10000.00"


def test_pipeline_counts_the_current_rounds_applications_by_status(app, client):
    from marketplace.applications.models import ApplicationStatus

    make_project(make_stats_round(2024))
    live = make_round(year=2026)
    for status in (ApplicationStatus.DRAFT, ApplicationStatus.DRAFT,
                   ApplicationStatus.SUBMITTED):
        make_project(live, amount_fen=None, awarded=False, status=status)
    rows = data_block(client.get("/dashboard").get_data(as_text=True))[
        "panels"]["pipeline"]["rows"]
    assert rows[0] == ["草稿", 2] and rows[1] == ["已提交", 1]
    assert [r[0] for r in rows][-2:] == ["拟立项", "已立项"]


def test_data_json_and_screen(app, client):
    make_project(make_stats_round(2024), amount_fen=1_234_500)
    data = client.get("/dashboard/data.json?screen=1").get_json()
    assert data["kpis"]["awarded_amount_label"] == "1.2万元"
    screen = client.get("/dashboard/screen").get_data(as_text=True)
    assert 'data-refresh-url="/dashboard/data.json?screen=1"' in screen
    assert 'data-refresh-seconds="60"' in screen and "1.2万元" in screen


def test_dashboard_without_any_round_still_answers(app, client):
    assert client.get("/dashboard").status_code == 200
    assert client.get("/dashboard/screen").status_code == 200
    assert client.get("/dashboard?round=999").status_code == 404


def test_dashboard_runs_a_bounded_number_of_queries(app, client, count_queries):
    for year in (2022, 2023):
        round_ = make_stats_round(year)
        make_project(round_)
    with count_queries() as small:
        client.get("/dashboard")
    for year in range(2010, 2020):
        round_ = make_stats_round(year)
        for _ in range(3):
            make_project(round_, commit=False)
    db.session.commit()
    with count_queries() as large:
        client.get("/dashboard")
    assert large.count == small.count


def test_a_domain_adds_a_panel_without_changing_the_dashboard(app, client):
    def build(ctx):
        return panels.PanelData(columns=["项目", "已拨付"], rows=[["示例", "¥1.00"]],
                                chart={"type": "bar", "categories": ["示例"], "unit": "yuan",
                                       "series": [{"name": "已拨付", "type": "bar", "axis": 0,
                                                   "data": [1]}]})
    panels.register(panels.Panel("payments_test", "拨付进度", build, order=60))
    try:
        html = client.get("/dashboard").get_data(as_text=True)
        assert 'data-testid="table-payments_test"' in html and "拨付进度" in html
        assert 'data-chart="payments_test"' in html
    finally:
        panels._REGISTRY.pop("payments_test")


def test_dashboard_speaks_english(app, client):
    make_project(make_stats_round(2024), amount_fen=20_800_000)
    english = {"Accept-Language": "en"}
    html = client.get("/dashboard", headers=english).get_data(as_text=True)
    assert "Volunteer project funding dashboard" in html
    assert "Awarded money and projects by year" in html
    assert data_block(html)["kpis"]["awarded_amount_label"] == "¥208k"
    assert client.get("/api/v1/rounds/999/stats",
                      headers=english).get_json()["error"] == "No such round."


def test_a_year_whose_rounds_have_not_reached_award_is_in_progress_not_a_fall(app, client):
    """2025 closed with money; 2026 only in review: 2026 reads 进行中 (no −100%) on the
    dashboard's table, chart and KPIs, on the screen and in the API."""
    from marketplace.rounds.models import RoundStatus

    make_project(make_stats_round(2025), amount_fen=2_000_000)
    live = make_stats_round(2026, status=RoundStatus.REVIEWING)
    make_project(live, amount_fen=None, awarded=False)

    by_year = data_block(client.get("/dashboard").get_data(as_text=True))["panels"]["by_year"]
    assert by_year["rows"][-1] == [2026, 0, "¥0.00", "进行中"]
    assert by_year["chart"]["categories"][-1] == "2026\n进行中"
    assert [s["data"][-1] for s in by_year["chart"]["series"]] == [None, None]  # no bar at 0
    assert "不计同比增长" in by_year["footnote"]

    for url in (f"/dashboard?round={live.id}", f"/dashboard/data.json?round={live.id}&screen=1"):
        response = client.get(url)
        data = response.get_json() if response.is_json else data_block(
            response.get_data(as_text=True))
        assert data["kpis"]["growth"] == "进行中"
    assert "进行中" in client.get(f"/dashboard/screen?round={live.id}").get_data(as_text=True)
    stats = client.get(f"/api/v1/rounds/{live.id}/stats").get_json()
    assert stats["growth_vs_previous_pct"] is None


def test_no_growth_is_computed_against_a_year_in_progress(app, client):
    from marketplace.rounds.models import RoundStatus
    from marketplace.stats.services import yearly_series

    make_project(make_stats_round(2024), amount_fen=1_000_000)
    running = make_stats_round(2025, status=RoundStatus.PUBLICITY)
    make_project(running, amount_fen=None, awarded=False)
    later = make_stats_round(2026)
    make_project(later, amount_fen=3_000_000)
    series = {s["year"]: s for s in yearly_series()}
    assert series[2025]["in_progress"] and series[2025]["growth_vs_previous_pct"] is None
    assert series[2026]["growth_vs_previous_pct"] is None
    assert client.get(f"/api/v1/rounds/{later.id}/stats").get_json()[
        "growth_vs_previous_pct"] is None


def test_a_round_in_delivery_has_its_award_figures_and_its_growth(app, client):
    from marketplace.rounds.models import RoundStatus

    make_project(make_stats_round(2025), amount_fen=2_000_000)
    delivery = make_stats_round(2026, status=RoundStatus.DELIVERY)
    make_project(delivery, amount_fen=1_000_000)
    rows = data_block(client.get("/dashboard").get_data(as_text=True))[
        "panels"]["by_year"]["rows"]
    assert rows[-1] == [2026, 1, "¥10,000.00", "-50.0%"]
    assert client.get(f"/api/v1/rounds/{delivery.id}/stats").get_json()[
        "growth_vs_previous_pct"] == -50.0


def test_a_finished_round_in_a_year_with_a_round_still_running_has_no_growth_yet(app, client):
    """Two 2026 rounds: one in delivery (立项 done), one in review. 2026's money is not final,
    so neither the year nor the delivered round shows a fall against 2025."""
    from marketplace.rounds.models import RoundStatus

    make_project(make_stats_round(2025), amount_fen=2_000_000)
    delivered = make_stats_round(2026, status=RoundStatus.DELIVERY)
    make_project(delivered, amount_fen=500_000)
    make_stats_round(2026, status=RoundStatus.REVIEWING, title="2026年专项")
    stats = client.get(f"/api/v1/rounds/{delivered.id}/stats").get_json()
    assert stats["growth_vs_previous_pct"] is None
    assert stats["by_category"][0]["growth_vs_previous_pct"] is None
    data = data_block(client.get("/dashboard").get_data(as_text=True))
    assert data["round"]["id"] == delivered.id and data["kpis"]["growth"] == "进行中"
    assert data["panels"]["by_year"]["rows"][-1] == [2026, 1, "¥5,000.00", "进行中"]


def test_pipeline_counts_every_round_of_the_year_unless_a_running_round_is_chosen(app, client):
    from marketplace.applications.models import ApplicationStatus
    from marketplace.rounds.models import RoundStatus

    make_project(make_stats_round(2025))
    first = make_round(year=2026)
    second = make_stats_round(2026, status=RoundStatus.REVIEWING, title="2026年专项")
    make_project(first, amount_fen=None, awarded=False, status=ApplicationStatus.SUBMITTED)
    make_project(second, amount_fen=None, awarded=False, status=ApplicationStatus.IN_REVIEW)
    make_project(second, amount_fen=None, awarded=False, status=ApplicationStatus.IN_REVIEW)
    panel = data_block(client.get("/dashboard").get_data(as_text=True))["panels"]["pipeline"]
    counts = dict(map(tuple, panel["rows"]))
    assert (counts["已提交"], counts["评审中"]) == (1, 2)
    assert panel["chart"]["categories"] == ["已提交", "评审中"]  # empty states left out
    assert "2026 年全部项目库" in panel["footnote"]
    panel = data_block(client.get(f"/dashboard?round={second.id}").get_data(as_text=True))[
        "panels"]["pipeline"]
    counts = dict(map(tuple, panel["rows"]))
    assert (counts["已提交"], counts["评审中"]) == (0, 2) and panel["note"] == "评审中"
