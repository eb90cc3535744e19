"""The ranking (issue 11, point 18): equal scores share a rank (并列) and a project that not
every assigned expert has scored is not ranked — it is listed apart with how many reviews it
misses, on the page and in the XLSX and PDF exports. Scores computed by hand (mean of the
experts' totals; the default rubric's maxima are 20, 20, 25, 20, 15)."""
import io
from decimal import Decimal

from openpyxl import load_workbook

from marketplace.review import results
from tests.factories import (
    make_application,
    make_assignment,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_submitted_review,
)


def _round_with_a_tie_and_an_unfinished_project():
    round_ = make_review_round()
    r1, r2 = make_reviewer(), make_reviewer()
    tie_a = make_application(round_, requested="10000", title="甲项目")
    tie_b = make_application(round_, requested="10000", title="乙项目")
    third = make_application(round_, requested="10000", title="丙项目")
    unfinished = make_application(round_, requested="10000", title="丁项目")
    unassigned = make_application(round_, requested="10000", title="戊项目")
    make_submitted_review(tie_a, r1, [16, 16, 20, 16, 12])  # 80
    make_submitted_review(tie_a, r2, [14, 14, 20, 14, 8])   # 70 → mean 75
    make_submitted_review(tie_b, r1, [15, 15, 20, 15, 10])  # 75
    make_submitted_review(tie_b, r2, [15, 15, 20, 15, 10])  # 75 → mean 75
    make_submitted_review(third, r1, [10, 10, 10, 10, 10])  # 50
    make_submitted_review(third, r2, [12, 12, 12, 12, 12])  # 60 → mean 55
    make_submitted_review(unfinished, r1, [20, 20, 25, 20, 15])  # 100, but r2 has not scored
    make_assignment(unfinished, r2)
    return round_, (tie_a, tie_b, third, unfinished, unassigned)


def test_equal_scores_share_a_rank_and_unfinished_projects_are_not_ranked(app):
    round_, (tie_a, tie_b, third, unfinished, unassigned) = \
        _round_with_a_tie_and_an_unfinished_project()
    rows = results.ranking(round_, round_.pools[0])
    assert [(r.application.id, r.rank, r.tied, r.score) for r in rows] == [
        (tie_a.id, 1, True, Decimal("75.00")), (tie_b.id, 1, True, Decimal("75.00")),
        (third.id, 3, False, Decimal("55.00")),
        (unfinished.id, None, False, Decimal("100.00")), (unassigned.id, None, False, None)]
    assert [(r.done, r.assigned, r.missing) for r in rows[3:]] == [(1, 2, 1), (0, 0, 0)]
    # Down the ranking only ranked rows count: 10,000 each from an empty 500,000 pool.
    assert [r.running_total for r in rows] == [Decimal("10000.00"), Decimal("20000.00"),
                                               Decimal("30000.00"), None, None]
    assert rows[2].remainder == Decimal("470000.00")


def test_ranking_page_marks_ties_and_lists_unfinished_projects_apart(app, login_as):
    round_, (tie_a, tie_b, third, unfinished, unassigned) = \
        _round_with_a_tie_and_an_unfinished_project()
    html = login_as(make_organizer()).get(f"/review/rounds/{round_.id}/ranking").get_data(True)
    ranked, pending = html.split('data-testid="ranking-pending"')
    assert ranked.count('data-testid="tie"') == 2
    for title in ("甲项目", "乙项目", "丙项目"):
        assert title in ranked and title not in pending
    assert "丁项目" in pending and "丁项目" not in ranked.split('data-testid="ranking"')[1]
    assert "缺 1 份" in pending and "未分配专家" in pending


def test_ranking_exports_mark_ties_and_unranked_projects(app, login_as):
    round_, _ = _round_with_a_tie_and_an_unfinished_project()
    client = login_as(make_organizer())
    sheet = load_workbook(io.BytesIO(client.get(
        f"/review/rounds/{round_.id}/ranking.xlsx").data)).active
    ranks = [sheet.cell(row, 1).value for row in range(2, 7)]
    assert ranks == ["1（并列）", "1（并列）", "3", "未排名：缺 1 份评分", "未排名：未分配专家"]
    pdf = client.get(f"/review/rounds/{round_.id}/ranking.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
