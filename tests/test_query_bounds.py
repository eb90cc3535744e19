"""List pages run a fixed number of SQL statements, however many rows they show."""
from decimal import Decimal

from marketplace.extensions import db
from marketplace.review import decisions, publicity
from tests.factories import (
    make_application,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_submitted_review,
    make_user,
)


def _same_count(count_queries, client, url, grow):
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    grow()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count, (url, few.count, many.count)


def test_ranking_page(app, login_as, count_queries):
    organizer, reviewer = make_organizer(), make_reviewer()
    round_ = make_review_round()

    def add(n):
        for _ in range(n):
            make_submitted_review(make_application(round_), reviewer, [18, 17, 20, 15, 12])

    add(2)
    _same_count(count_queries, login_as(organizer),
                f"/review/rounds/{round_.id}/ranking?pool_id={round_.pools[0].id}",
                lambda: add(6))


def test_publicity_page(app, client, count_queries):
    organizer = make_organizer()

    def round_in_publicity(approvals):
        round_ = make_review_round()
        for _ in range(approvals):
            application = make_application(round_, requested="1000.00")
            decisions.approve_application(organizer, application, Decimal("1000.00"))
        publicity.publish_publicity(organizer, round_)
        db.session.commit()
        return f"/publicity/{round_.id}"

    small, large = round_in_publicity(2), round_in_publicity(8)
    client.get(small)
    with count_queries() as few:
        assert client.get(small).status_code == 200
    with count_queries() as many:
        assert client.get(large).status_code == 200
    assert many.count == few.count


def test_my_applications_page(app, login_as, count_queries):
    from tests.factories import make_organisation, make_round

    member = make_user()
    organisation = make_organisation(member)
    round_ = make_round()

    def add(n):
        for _ in range(n):
            make_application(round_, organisation)

    add(2)
    _same_count(count_queries, login_as(member), "/applications/mine", lambda: add(6))
