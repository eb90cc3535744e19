"""Round statistics: hand-computed figures, the sample file's 2019 round, bounded queries."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from marketplace.applications.models import ApplicationStatus
from marketplace.extensions import db
from marketplace.funds.models import AwardStatus
from marketplace.history.services import import_history
from marketplace.rounds.models import RoundStatus
from marketplace.stats.services import growth, percent
from tests.factories import make_challenge, make_organisation, make_project, make_stats_round

SAMPLE = Path(__file__).resolve().parents[2] / "marketplace" / "history" / "data" / \
    "history_sample.csv"


def round_id(client, year: int) -> int:
    rounds = client.get("/api/v1/rounds").get_json()["rounds"]
    return next(r["id"] for r in rounds if r["year"] == year)


def test_sample_file_2019_round_gives_exactly_the_figures_of_the_issue(app, client):
    assert import_history(None, SAMPLE.read_bytes()).ok
    db.session.commit()
    stats = client.get(f"/api/v1/rounds/{round_id(client, 2019)}/stats").get_json()
    assert stats == {
        "round": {"id": round_id(client, 2019), "year": 2019,
                  "title": "2019年志愿服务集市创投项目"},
        "awarded_projects": 3, "awarded_amount": "57000.00",
        "growth_vs_previous_pct": 111.1,
        "challenge_projects": 1, "challenge_amount": "25000.00", "challenge_share_pct": 43.86,
        "first_time_orgs": 2, "first_time_share_pct": 66.67,
        "by_category": [
            {"category": "文明创建", "projects": 1, "amount": "25000.00",
             "growth_vs_previous_pct": None},
            {"category": "关爱帮扶", "projects": 1, "amount": "18000.00",
             "growth_vs_previous_pct": 20.0},
            {"category": "生态环保", "projects": 1, "amount": "14000.00",
             "growth_vs_previous_pct": None}],
        "by_region": [
            {"region": "市直", "projects": 1, "amount": "25000.00"},
            {"region": "普陀区", "projects": 1, "amount": "18000.00"},
            {"region": "嵊泗县", "projects": 1, "amount": "14000.00"}],
        # Imported history names no funding source.
        "by_source": [{"source": "未指定来源", "kind": "", "social": False, "projects": 3,
                       "amount": "57000.00"}],
    }


@pytest.fixture
def two_years(app):
    """2023: X 关爱帮扶 10000.00; Y (USCC u2) challenge 文明创建 5000.50.
    2024: X again 12000.00; Z 3000.00; W, a second team
    under Y's USCC, challenge 理论宣讲 6000.00; V rejected; U approved but withdrawn before 立项."""
    r2023 = make_stats_round(2023)
    r2024 = make_stats_round(2024)
    x = make_organisation(region="定海区")
    y = make_organisation(region="普陀区")
    w = make_organisation(region="市直", uscc=y.uscc)
    make_project(r2023, organisation=x, amount_fen=1_000_000, category="关爱帮扶")
    make_project(r2023, organisation=y, amount_fen=500_050, category="文明创建", region="普陀区",
                 challenge=make_challenge(r2023))
    make_project(r2024, organisation=x, amount_fen=1_200_000, category="关爱帮扶")
    make_project(r2024, amount_fen=300_000, category="关爱帮扶", region="嵊泗县")
    make_project(r2024, organisation=w, amount_fen=600_000, category="理论宣讲", region="市直",
                 challenge=make_challenge(r2024))
    make_project(r2024, amount_fen=None, awarded=False, category="关爱帮扶")
    make_project(r2024, amount_fen=2_000_000, awarded=False, category="关爱帮扶",
                 award_status=AwardStatus.WITHDRAWN, status=ApplicationStatus.REJECTED)
    return r2023, r2024


def test_round_figures_match_hand_computed_expectations(client, two_years):
    _, r2024 = two_years
    stats = client.get(f"/api/v1/rounds/{r2024.id}/stats").get_json()
    assert stats["awarded_projects"] == 3                      # X, Z, W
    assert stats["awarded_amount"] == "21000.00"
    assert stats["growth_vs_previous_pct"] == 40.0             # 5999.50 / 15000.50 = 39.995%
    assert (stats["challenge_projects"], stats["challenge_amount"]) == (1, "6000.00")
    assert stats["challenge_share_pct"] == 28.57               # 6000 / 21000
    assert (stats["first_time_orgs"], stats["first_time_share_pct"]) == (1, 33.33)  # only Z
    assert stats["by_category"] == [
        {"category": "关爱帮扶", "projects": 2, "amount": "15000.00",
         "growth_vs_previous_pct": 50.0},
        {"category": "理论宣讲", "projects": 1, "amount": "6000.00",
         "growth_vs_previous_pct": None}]
    assert stats["by_region"] == [
        {"region": "定海区", "projects": 1, "amount": "12000.00"},
        {"region": "市直", "projects": 1, "amount": "6000.00"},
        {"region": "嵊泗县", "projects": 1, "amount": "3000.00"}]


def test_growth_is_null_without_a_round_the_year_before(client, two_years):
    r2023, _ = two_years
    stats = client.get(f"/api/v1/rounds/{r2023.id}/stats").get_json()
    assert stats["growth_vs_previous_pct"] is None
    assert stats["awarded_amount"] == "15000.50"
    assert (stats["first_time_orgs"], stats["first_time_share_pct"]) == (2, 100.0)
    assert all(c["growth_vs_previous_pct"] is None for c in stats["by_category"])


def test_an_organisation_is_known_by_its_uscc(client, two_years):
    # W is a new name under Y's USCC, which had an award in 2023: not first-time.
    _, r2024 = two_years
    assert client.get(f"/api/v1/rounds/{r2024.id}/stats").get_json()["first_time_orgs"] == 1


def test_stats_of_one_county(client, two_years):
    _, r2024 = two_years
    stats = client.get(f"/api/v1/rounds/{r2024.id}/stats?region=嵊泗县").get_json()
    assert (stats["awarded_projects"], stats["awarded_amount"]) == (1, "3000.00")
    assert stats["growth_vs_previous_pct"] is None  # 嵊泗县 had nothing in 2023


def test_shares_round_half_up_to_two_decimals_and_growth_to_one():
    assert percent(1, 800) == 0.13          # 0.125 -> 0.13 (banker's rounding would give 0.12)
    assert percent(2, 3) == 66.67
    assert growth(401, 400) == 0.3          # 0.25 -> 0.3
    assert growth(57000, 27000) == 111.1
    assert growth(5, 0) is None and percent(1, 0) is None
    assert isinstance(Decimal(str(percent(1, 3))), Decimal)


def test_rounds_list_has_id_year_title_status_and_hides_drafts(client, two_years):
    make_stats_round(2025, status=RoundStatus.DRAFT)
    rounds = client.get("/api/v1/rounds").get_json()["rounds"]
    assert rounds == [{"id": r.id, "year": r.year, "title": r.title, "status": "closed"}
                      for r in two_years]


def test_unknown_or_draft_round_answers_404_json(client, app):
    draft = make_stats_round(2025, status=RoundStatus.DRAFT)
    for url in ("/api/v1/rounds/9999/stats", f"/api/v1/rounds/{draft.id}/stats"):
        response = client.get(url)
        assert response.status_code == 404 and response.is_json
        assert set(response.get_json()) == {"error"}


def _add_year(year: int, n: int) -> None:
    round_ = make_stats_round(year)
    for i in range(n):
        make_project(round_, amount_fen=100_000 + i, category=f"类别{i % 3}",
                     region=["定海区", "普陀区", "新城"][i % 3], commit=False)
    db.session.commit()


def test_stats_endpoint_runs_a_bounded_number_of_queries(client, app, count_queries):
    _add_year(2020, 2)
    _add_year(2021, 3)
    rid = round_id(client, 2021)
    with count_queries() as small:
        assert client.get(f"/api/v1/rounds/{rid}/stats").status_code == 200
    for year in (2018, 2019):
        _add_year(year, 15)
    for _ in range(20):
        make_project(_round(2021), amount_fen=50_000, category="新类别", region="岱山县",
                     commit=False)
    db.session.commit()
    with count_queries() as large:
        body = client.get(f"/api/v1/rounds/{rid}/stats").get_json()
    assert body["awarded_projects"] == 23
    assert large.count == small.count <= 8


def _round(year):
    from sqlalchemy import select

    from marketplace.rounds.models import Round

    return db.session.scalar(select(Round).where(Round.year == year))


def test_stats_command_prints_the_same_json(app, client):
    assert import_history(None, SAMPLE.read_bytes()).ok
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["stats", "--year", "2019"])
    assert result.exit_code == 0, result.output
    api = client.get(f"/api/v1/rounds/{round_id(client, 2019)}/stats").get_json()
    assert json.loads(result.output) == api


def test_stats_command_for_a_year_without_round_exits_non_zero(app):
    result = app.test_cli_runner().invoke(args=["stats", "--year", "1999"])
    assert result.exit_code == 1


def test_an_award_in_an_earlier_round_of_the_same_year_counts_as_earlier(client, app):
    spring = make_stats_round(2026, title="2026年春季批次")
    autumn = make_stats_round(2026, title="2026年秋季批次")
    org = make_organisation()
    make_project(spring, organisation=org)
    make_project(autumn, organisation=org)
    make_project(autumn)
    assert client.get(f"/api/v1/rounds/{spring.id}/stats").get_json()["first_time_orgs"] == 1
    autumn_stats = client.get(f"/api/v1/rounds/{autumn.id}/stats").get_json()
    assert (autumn_stats["first_time_orgs"], autumn_stats["first_time_share_pct"]) == (1, 50.0)
