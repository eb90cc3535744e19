"""Home page: a group member sees what waits for them — invitations, organisations, the
applications that need action (我的申报) — and the open rounds with their deadlines."""
from __future__ import annotations

from datetime import timedelta

from marketplace.applications.models import ApplicationStatus
from marketplace.core.timeutil import utcnow
from marketplace.rounds.models import RoundStatus
from tests.factories import make_application, make_organisation, make_round, make_user


def _section(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"', 1)[1].split("</section>", 1)[0]


def test_home_page_lists_drafts_and_returned_applications_that_need_action(app, login_as):
    member = make_user()
    organisation = make_organisation(member)
    soon = make_round(title="就要截止的集市", deadline_at=utcnow() + timedelta(days=2))
    later = make_round(title="下个月截止的集市", deadline_at=utcnow() + timedelta(days=30))
    closed = make_round(title="已截止的集市", deadline_at=utcnow() - timedelta(days=1),
                        status=RoundStatus.REVIEWING)
    returned = make_application(soon, organisation, status=ApplicationStatus.RETURNED,
                                title="退回的项目")
    draft = make_application(later, organisation, title="草稿项目")
    make_application(later, organisation, status=ApplicationStatus.SUBMITTED, title="已提交的项目")
    make_application(closed, organisation, title="过期草稿")
    make_application(later, make_organisation(), title="别人的草稿")

    html = login_as(member).get("/").get_data(as_text=True)
    mine = _section(html, "my-applications")
    assert "退回的项目" in mine and "草稿项目" in mine
    assert mine.index("退回的项目") < mine.index("草稿项目")  # soonest deadline first
    for other in ("已提交的项目", "过期草稿", "别人的草稿"):
        assert other not in mine
    assert f"/applications/{returned.id}/edit" in mine and f"/applications/{draft.id}/edit" in mine
    assert mine.count("list-group-item ") == 2
    assert f"申报截止 {soon.deadline_at:%Y}" in mine  # each item shows its round's deadline
    assert 'href="/applications/mine"' in mine


def test_home_page_shows_my_applications_only_to_group_members(app, login_as, client):
    assert "my-applications" not in client.get("/").get_data(as_text=True)
    loner = make_user()
    assert "my-applications" not in login_as(loner).get("/").get_data(as_text=True)


def test_open_rounds_on_the_home_page_are_labelled_with_their_deadline(client, app):
    make_round(title="首页上的集市")
    html = client.get("/").get_data(as_text=True)
    assert "申报截止" in _section(html, "open-rounds").split("首页上的集市", 1)[1]


def test_home_page_query_count_does_not_grow_with_applications(app, login_as, count_queries):
    member = make_user()
    organisations = [make_organisation(member) for _ in range(2)]
    rounds = [make_round(title=f"集市{i}") for i in range(2)]
    make_application(rounds[0], organisations[0], status=ApplicationStatus.RETURNED)
    client = login_as(member)
    client.get("/")  # warm up
    with count_queries() as counter:
        client.get("/")
    before = counter.count

    for i in range(6):
        make_application(rounds[i % 2], organisations[i % 2],
                         status=ApplicationStatus.RETURNED if i % 3 else ApplicationStatus.DRAFT)
    make_organisation(member)
    with count_queries() as counter:
        html = client.get("/").get_data(as_text=True)
    assert _section(html, "my-applications").count("list-group-item ") == 7
    assert counter.count == before, counter.statements
