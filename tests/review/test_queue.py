"""The reviewer's queue puts work still to do first and loads in a fixed number of queries."""
from tests.factories import (
    make_application,
    make_assignment,
    make_review_round,
    make_reviewer,
    make_submitted_review,
)


def test_unfinished_reviews_come_before_submitted_ones(app, login_as):
    reviewer = make_reviewer()
    round_ = make_review_round(title="评审中的项目库")
    finished = make_application(round_, title="已经评完的项目")
    waiting = make_application(round_, title="还没评的项目")
    make_submitted_review(finished, reviewer, [18, 18, 20, 18, 12])
    make_assignment(waiting, reviewer)
    html = login_as(reviewer).get("/review/").get_data(as_text=True)
    assert html.index("还没评的项目") < html.index("已经评完的项目")
    assert "评审中的项目库" in html
    assert "已完成 1 / 2" in html


def test_queue_query_count_does_not_grow_with_assignments(app, login_as, count_queries):
    reviewer = make_reviewer()
    round_ = make_review_round()
    for _ in range(2):
        make_assignment(make_application(round_), reviewer)
    client = login_as(reviewer)
    with count_queries() as few:
        assert client.get("/review/").status_code == 200
    other_round = make_review_round()
    for _ in range(8):
        make_assignment(make_application(other_round), reviewer)
    with count_queries() as many:
        assert client.get("/review/").status_code == 200
    assert many.count == few.count


def test_review_management_page_query_count_does_not_grow(app, login_as, count_queries):
    from tests.factories import make_organizer

    organizer = make_organizer()
    round_ = make_review_round()
    reviewers = [make_reviewer(), make_reviewer()]
    for _ in range(2):
        application = make_application(round_)
        for reviewer in reviewers:
            make_assignment(application, reviewer)
    client = login_as(organizer)
    client.get(f"/review/rounds/{round_.id}")  # first visit creates the settings row
    with count_queries() as few:
        assert client.get(f"/review/rounds/{round_.id}").status_code == 200
    for _ in range(6):
        application = make_application(round_)
        for reviewer in reviewers:
            make_assignment(application, reviewer)
    with count_queries() as many:
        assert client.get(f"/review/rounds/{round_.id}").status_code == 200
    assert many.count == few.count
