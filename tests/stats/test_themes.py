"""Statistics by theme (主题, issue 13 point 5): count, amount and growth per theme, hand
computed; a project with two themes counts under each; existing keys unchanged."""
from __future__ import annotations

import pytest

from marketplace.applications.models import ApplicationTheme
from marketplace.extensions import db
from marketplace.stats.services import yearly_series
from tests.factories import make_project, make_stats_round


def _tag(application, *themes):
    for i, theme in enumerate(themes):
        db.session.add(ApplicationTheme(application=application, theme=theme, position=i))
    db.session.commit()
    return application


@pytest.fixture
def themed_years(app):
    """2023 (themes 文明创建, 建党百年): A 文明创建 10000.00; B 文明创建+建党百年 5000.00;
    C none 7000.00.
    2024 (themes 文明创建, 建党百年, 共同富裕): D 理论宣讲 with 文明创建 12000.00;
    E 关爱帮扶 with 文明创建+共同富裕 8000.00 in 嵊泗县; F 文明创建 rejected (not counted)."""
    r2023 = make_stats_round(2023, themes=["文明创建", "建党百年"])
    r2024 = make_stats_round(2024, themes=["文明创建", "建党百年", "共同富裕"])
    _tag(make_project(r2023, amount_fen=1_000_000), "文明创建")
    _tag(make_project(r2023, amount_fen=500_000), "文明创建", "建党百年")
    make_project(r2023, amount_fen=700_000)
    _tag(make_project(r2024, amount_fen=1_200_000, category="理论宣讲"), "文明创建")
    _tag(make_project(r2024, amount_fen=800_000, region="嵊泗县"), "文明创建", "共同富裕")
    _tag(make_project(r2024, amount_fen=None, awarded=False), "文明创建")
    return r2023, r2024


def test_by_theme_counts_amounts_and_growth_by_hand(client, themed_years):
    _, r2024 = themed_years
    stats = client.get(f"/api/v1/rounds/{r2024.id}/stats").get_json()
    assert stats["by_theme"] == [
        # 20000 against 15000 the year before: +33.3%
        {"theme": "文明创建", "projects": 2, "amount": "20000.00",
         "growth_vs_previous_pct": 33.3},
        # none this year, 5000 the year before: -100%
        {"theme": "建党百年", "projects": 0, "amount": "0.00",
         "growth_vs_previous_pct": -100.0},
        # new this year: no growth
        {"theme": "共同富裕", "projects": 1, "amount": "8000.00",
         "growth_vs_previous_pct": None}]
    # Themes overlap and do not change the round's own figures.
    assert stats["awarded_projects"] == 2 and stats["awarded_amount"] == "20000.00"


def test_by_theme_of_one_county(client, themed_years):
    _, r2024 = themed_years
    stats = client.get(f"/api/v1/rounds/{r2024.id}/stats?region=嵊泗县").get_json()
    assert [(t["theme"], t["projects"], t["amount"]) for t in stats["by_theme"]] == [
        ("文明创建", 1, "8000.00"), ("建党百年", 0, "0.00"), ("共同富裕", 1, "8000.00")]


def test_no_growth_without_a_round_the_year_before(client, themed_years):
    r2023, _ = themed_years
    stats = client.get(f"/api/v1/rounds/{r2023.id}/stats").get_json()
    assert stats["by_theme"] == [
        {"theme": "文明创建", "projects": 2, "amount": "15000.00",
         "growth_vs_previous_pct": None},
        {"theme": "建党百年", "projects": 1, "amount": "5000.00",
         "growth_vs_previous_pct": None}]


def test_a_round_without_themes_keeps_exactly_its_keys(client, app):
    round_ = make_stats_round(2022)
    make_project(round_)
    stats = client.get(f"/api/v1/rounds/{round_.id}/stats").get_json()
    assert "by_theme" not in stats


def test_the_yearly_figures_gain_by_theme(client, themed_years):
    series = {s["year"]: s for s in client.get("/api/v1/years").get_json()["years"]}
    assert series[2023]["by_theme"] == [
        {"theme": "文明创建", "projects": 2, "amount": "15000.00",
         "growth_vs_previous_pct": None},
        {"theme": "建党百年", "projects": 1, "amount": "5000.00",
         "growth_vs_previous_pct": None}]
    assert series[2024]["by_theme"] == [
        {"theme": "文明创建", "projects": 2, "amount": "20000.00",
         "growth_vs_previous_pct": 33.3},
        {"theme": "共同富裕", "projects": 1, "amount": "8000.00",
         "growth_vs_previous_pct": None}]
    # The existing yearly keys are what they were.
    assert series[2024]["amount"] == "20000.00" and series[2024]["growth_vs_previous_pct"] == -9.1
    # Without asking for themes the series is what it was (the home page's statements too).
    assert all("by_theme" not in s for s in yearly_series())


def test_the_cli_prints_by_theme(app, themed_years):
    import json

    result = app.test_cli_runner().invoke(args=["stats", "--year", "2024"])
    assert json.loads(result.output)["by_theme"][0]["theme"] == "文明创建"


def test_the_dashboard_shows_a_theme_panel(client, themed_years):
    _, r2024 = themed_years
    data = client.get(f"/dashboard/data.json?round={r2024.id}").get_json()
    panel = data["panels"]["by_theme"]
    assert panel["rows"][0][:2] == ["文明创建", 2]
    assert panel["chart"]["categories"] == ["文明创建", "建党百年", "共同富裕"]
    assert 'data-chart="by_theme"' in client.get(f"/dashboard?round={r2024.id}").get_data(
        as_text=True)


def test_no_theme_panel_for_a_round_without_themes(client, app):
    round_ = make_stats_round(2022)
    make_project(round_)
    data = client.get(f"/dashboard/data.json?round={round_.id}").get_json()
    assert "by_theme" not in data["panels"]
