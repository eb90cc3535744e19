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
    assert import_history(DEMO.read_bytes()).ok
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
    assert [r[0] for r in rows][-4:] == ["已立项", "已结项", "验收不合格", "已终止"]


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


def test_a_later_capability_adds_a_panel_without_changing_the_dashboard(app, client):
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
