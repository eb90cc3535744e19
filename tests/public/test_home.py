"""The home page after login is a to-do list for the person's roles (core/todo.py): what each
domain registered — a group's applications with the next thing due, a reviewer's rounds with
their deadlines, an organizer's and an admin's queues — with the counts also in the nav bar,
in a fixed number of SQL statements whatever the number of rows. Visitors see the public
part only."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.accounts.models import Role
from marketplace.applications.models import ApplicationStatus
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db
from marketplace.organisations.models import OrganisationStatus
from marketplace.review import decisions, publicity
from marketplace.review import publicity as publicity_services
from marketplace.review.publicity import ObjectionData
from marketplace.rounds.models import RoundStatus
from tests.factories import (
    make_application,
    make_assignment,
    make_organisation,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_round,
    make_submitted_review,
    make_user,
)
from tests.review.test_publicity import _round_in_publicity

SCORES = [18, 17, 20, 15, 12]


def _todo(html: str, section: str) -> str:
    """The HTML of one section of the to-do list ('' when it is not there)."""
    marker = f'data-testid="todo-section-{section}"'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split('data-testid="todo-section-', 1)[0]


def _items(html: str, section: str) -> dict[str, str]:
    """{data-key: the item's HTML} of a section."""
    found = re.findall(r'data-key="([^"]+)">(.*?)</a>', _todo(html, section), re.S)
    return dict(found)


def _count(item: str) -> int:
    return int(re.search(r'data-testid="todo-count">(\d+)<', item).group(1))


def _nav_badge(html: str, label: str) -> int | None:
    match = re.search(re.escape(label) + r'<span class="badge[^"]*" data-testid="nav-badge">'
                      r'(\d+)</span>', html)
    return int(match.group(1)) if match else None


# --- visitors and newcomers ------------------------------------------------------------------

def test_a_visitor_sees_the_public_home_without_a_to_do_list(app, client):
    make_round(title="首页上的集市")
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="todo"' not in html
    assert "首页上的集市" in html and "注册账号" in html


def test_open_rounds_on_the_home_page_are_labelled_with_their_deadline(client, app):
    make_round(title="首页上的集市")
    html = client.get("/").get_data(as_text=True)
    assert "申报截止" in html.split('data-testid="open-rounds"', 1)[1].split("首页上的集市", 1)[1]


def test_a_newcomer_is_asked_to_register_their_group(app, login_as):
    html = login_as(make_user()).get("/").get_data(as_text=True)
    assert 'data-testid="getting-started"' in html and "/organisations/new" in html


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.REVIEWER, Role.FINANCE, Role.ADMIN])
def test_staff_are_never_asked_to_register_a_group(app, login_as, role):
    html = login_as(make_user(roles=[role])).get("/").get_data(as_text=True)
    assert 'data-testid="getting-started"' not in html
    assert "登记我的志愿服务组织" not in html


# --- a group's members ----------------------------------------------------------------------

def test_a_member_sees_the_groups_applications_with_the_next_thing_due(app, login_as):
    member = make_user()
    organisation = make_organisation(member)
    soon = make_round(title="就要截止的集市", deadline_at=utcnow() + timedelta(days=2))
    later = make_round(title="下个月截止的集市", deadline_at=utcnow() + timedelta(days=30))
    reviewing = make_round(title="评审中的集市", deadline_at=utcnow() - timedelta(days=1),
                           status=RoundStatus.REVIEWING)
    returned = make_application(soon, organisation, status=ApplicationStatus.RETURNED,
                                title="退回的项目")
    draft = make_application(later, organisation, title="草稿项目")
    submitted = make_application(later, organisation, status=ApplicationStatus.SUBMITTED,
                                 title="已提交的项目")
    in_review = make_application(reviewing, organisation, title="评审中的项目")
    make_application(reviewing, organisation, status=ApplicationStatus.DRAFT, title="过期草稿")
    make_application(later, organisation, status=ApplicationStatus.WITHDRAWN, title="撤回的项目")
    make_application(later, make_organisation(), title="别人的草稿")

    html = login_as(member).get("/").get_data(as_text=True)
    items = _items(html, "member")
    keys = list(items)
    # What the group must do comes first, the soonest deadline first; then what waits.
    assert keys[:2] == [f"applications.{returned.id}", f"applications.{draft.id}"]
    assert set(keys[2:]) == {f"applications.{submitted.id}", f"applications.{in_review.id}"}
    mine = _todo(html, "member")
    for gone in ("过期草稿", "撤回的项目", "别人的草稿"):
        assert gone not in mine
    assert f"/applications/{returned.id}/edit" in mine and f"/applications/{draft.id}/edit" in mine
    assert f'href="/applications/{in_review.id}"' in mine
    returned_item = items[f"applications.{returned.id}"]
    assert "按退回意见修改后重新提交" in returned_item
    assert f"申报截止 {to_local(soon.deadline_at):%Y-%m-%d %H:%M}" in returned_item
    assert "专家评审中" in items[f"applications.{in_review.id}"]
    assert _nav_badge(html, "我的申报") == 2  # the two to submit


def test_a_member_sees_a_group_waiting_for_verification_and_a_challenge_invitation(app,
                                                                                   login_as):
    member = make_user()
    pending = make_organisation(member, status=OrganisationStatus.PENDING, name="待审核的队")
    make_organisation(member, name="已认证的队")
    html = login_as(member).get("/").get_data(as_text=True)
    items = _items(html, "member")
    assert f"organisations.{pending.id}" in items and "等待团市委认证" in items[
        f"organisations.{pending.id}"]
    assert "已认证的队" not in _todo(html, "member")


def test_a_member_with_nothing_due_is_told_so(app, login_as):
    member = make_user()
    make_organisation(member)
    html = login_as(member).get("/").get_data(as_text=True)
    assert "暂无待办事项" in _todo(html, "member")


# --- reviewers ------------------------------------------------------------------------------

def test_a_reviewer_sees_each_round_with_reviews_to_submit_and_its_deadline(app, login_as):
    reviewer = make_reviewer()
    near = make_review_round(title="快截止的评审", review_ends_at=utcnow() + timedelta(days=1))
    far = make_review_round(title="下月截止的评审", review_ends_at=utcnow() + timedelta(days=30))
    done = make_review_round(title="评完的评审")
    for _ in range(2):
        make_assignment(make_application(near), reviewer)
    make_assignment(make_application(far), reviewer)
    make_submitted_review(make_application(far), reviewer, SCORES)
    make_submitted_review(make_application(done), reviewer, SCORES)

    html = login_as(reviewer).get("/").get_data(as_text=True)
    items = _items(html, "reviewer")
    assert list(items) == [f"review.round.{near.id}", f"review.round.{far.id}"]
    assert _count(items[f"review.round.{near.id}"]) == 2
    assert _count(items[f"review.round.{far.id}"]) == 1
    assert f"评审截止 {to_local(near.review_ends_at):%Y-%m-%d %H:%M}" in items[
        f"review.round.{near.id}"]
    assert 'href="/review/"' in _todo(html, "reviewer")
    assert _nav_badge(html, "我的评审任务") == 3


def test_a_reviewer_with_everything_submitted_is_told_so(app, login_as):
    reviewer = make_reviewer()
    make_submitted_review(make_application(make_review_round()), reviewer, SCORES)
    html = login_as(reviewer).get("/").get_data(as_text=True)
    assert "暂无待办事项" in _todo(html, "reviewer")
    assert _nav_badge(html, "我的评审任务") is None


# --- organizers and admins ------------------------------------------------------------------

def _organizer_work():
    """One of each thing an organizer has to do; returns the rounds concerned."""
    staff = make_organizer()
    make_organisation(status=OrganisationStatus.PENDING)
    to_start = make_round(deadline_at=utcnow() - timedelta(hours=1))
    reviewing = make_review_round()
    make_application(reviewing)  # nobody assigned
    late = make_application(reviewing)
    make_assignment(late, make_reviewer())  # not submitted by the deadline
    reviewed = make_application(reviewing)
    make_submitted_review(reviewed, make_reviewer(), SCORES)
    reviewing.review_ends_at = utcnow() - timedelta(hours=1)
    in_publicity = make_review_round()
    approved = make_application(in_publicity, requested="1000.00")
    decisions.approve_application(staff, approved, Decimal("1000.00"))
    publicity.publish_publicity(staff, in_publicity)
    publicity.file_objection(in_publicity, ObjectionData(approved.id, "张三", "13800000000",
                                                         "这个项目的预算明显偏高。"))
    over = make_review_round()
    other = make_application(over, requested="1000.00")
    decisions.approve_application(staff, other, Decimal("1000.00"))
    publicity.publish_publicity(staff, over, now=utcnow() - timedelta(days=30))
    db.session.commit()
    return dict(to_start=to_start, reviewing=reviewing, in_publicity=in_publicity, over=over)


def test_an_organizer_sees_each_thing_waiting_with_a_link_to_where_it_is_done(app, login_as):
    rounds = _organizer_work()
    html = login_as(make_organizer()).get("/").get_data(as_text=True)
    items = _items(html, "organizer")
    expected = {
        "admin.organisations": (1, "/admin/organisations"),
        "review.to_start": (1, f"/review/rounds/{rounds['to_start'].id}"),
        "review.to_assign": (1, f"/review/rounds/{rounds['reviewing'].id}"),
        "review.late_reviews": (1, f"/review/rounds/{rounds['reviewing'].id}"),
        "review.to_decide": (1, f"/review/rounds/{rounds['reviewing'].id}/ranking"),
        "review.objections": (1, f"/review/rounds/{rounds['in_publicity'].id}/objections"),
        "review.to_finalise": (1, f"/review/rounds/{rounds['over'].id}"),
    }
    assert list(items) == list(expected)
    section = _todo(html, "organizer")
    for key, (count, href) in expected.items():
        assert _count(items[key]) == count, key
        assert f'href="{href}" data-testid="todo-item" data-key="{key}"' in section, key
    assert _nav_badge(html, "评审与立项") == 6
    assert _nav_badge(html, "组织审核") == 1


def test_things_in_several_rounds_link_to_the_list_of_rounds(app, login_as):
    for _ in range(2):
        make_round(deadline_at=utcnow() - timedelta(hours=1))
    html = login_as(make_organizer()).get("/").get_data(as_text=True)
    item = _items(html, "organizer")["review.to_start"]
    assert _count(item) == 2
    assert 'href="/review/rounds" data-testid="todo-item" data-key="review.to_start"' in html


def test_an_organizers_own_groups_projects_are_not_on_their_list(app, login_as):
    organizer = make_organizer()
    round_ = make_review_round()
    make_application(round_, make_organisation(organizer))  # in review, nobody assigned
    html = login_as(organizer).get("/").get_data(as_text=True)
    assert "review.to_assign" not in _items(html, "organizer")
    colleague = make_organizer()
    assert "review.to_assign" in _items(login_as(colleague).get("/").get_data(as_text=True),
                                        "organizer")


def test_an_organizer_with_nothing_waiting_is_told_so(app, login_as):
    html = login_as(make_organizer()).get("/").get_data(as_text=True)
    assert "暂无待办事项" in _todo(html, "organizer")
    assert _nav_badge(html, "评审与立项") is None


def test_an_admin_sees_the_verification_queue_once_and_the_new_users(app, login_as):
    make_organisation(status=OrganisationStatus.PENDING)
    make_user(created_at=utcnow() - timedelta(days=8))
    admin = make_user(roles=[Role.ADMIN])
    html = login_as(admin).get("/").get_data(as_text=True)
    items = _items(html, "admin")
    assert _count(items["admin.organisations_admin"]) == 1
    assert _count(items["admin.new_users"]) == 2  # the group's owner and the admin
    assert "admin.organisations" not in _items(html, "organizer")
    assert _nav_badge(html, "组织审核") == 1


# --- a fixed number of statements -----------------------------------------------------------

def _grow_member(member, organisation, n):
    for i in range(n):
        round_ = make_round(deadline_at=utcnow() + timedelta(days=3 + i))
        make_application(round_, organisation)
        make_application(round_, organisation, status=ApplicationStatus.SUBMITTED)
        make_organisation(member, status=OrganisationStatus.PENDING)


def _grow_reviewer(reviewer, n):
    for _ in range(n):
        round_ = make_review_round(review_ends_at=utcnow() + timedelta(days=2))
        make_assignment(make_application(round_), reviewer)
        make_submitted_review(make_application(round_), reviewer, SCORES)


def _grow_staff(n):
    for _ in range(n):
        _organizer_work()
        make_user()


PEOPLE = {
    "member": lambda: make_user(),
    "reviewer": make_reviewer,
    "organizer": make_organizer,
    "admin": lambda: make_user(roles=[Role.ADMIN]),
    "finance": lambda: make_user(roles=[Role.FINANCE]),
}
# The statements of the home page, however many rows there are: the user and their roles,
# the nav bar's counts, the to-do list (today 9, 7, 8, 9 and 6), and the public part below it
# (the open rounds, this year's figures and the latest 公示: 3 today, a little room for more);
# funds adds one tally for organizers (tranches to request) and one for finance (releases,
# payments, returns: shared with the nav badge), then one more each: stamped agreement scans
# to confirm (organizers) and payee changes to confirm (finance); and one for everybody signed
# in: is this a partner department's contact (the nav's 我的命题, rounds/department_views.py).
BOUND = {"member": 15, "reviewer": 13, "organizer": 16, "admin": 17, "finance": 14}


@pytest.mark.parametrize("person", list(PEOPLE))
def test_the_home_page_runs_a_fixed_number_of_statements(app, login_as, count_queries,
                                                         person):
    user = PEOPLE[person]()
    organisation = make_organisation(user) if person == "member" else None

    def grow(n):
        if person == "member":
            _grow_member(user, organisation, n)
        elif person == "reviewer":
            _grow_reviewer(user, n)
        else:
            _grow_staff(n)

    grow(1)
    client = login_as(user)
    client.get("/")  # warm up
    with count_queries() as few:
        assert client.get("/").status_code == 200
    grow(3)
    with count_queries() as many:
        html = client.get("/").get_data(as_text=True)
    assert many.count == few.count, many.statements
    assert many.count <= BOUND[person], many.statements
    if person in ("member", "reviewer", "organizer"):
        section = {"member": "member", "reviewer": "reviewer", "organizer": "organizer"}[person]
        assert _items(html, section)  # the rows are there


def _section(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"', 1)[1].split("</section>", 1)[0]


def test_home_page_shows_the_years_figures_only_once_projects_are_awarded(app, client):
    organizer, round_, publicity, _approved, _, _ = _round_in_publicity()
    assert "year-figures" not in client.get("/").get_data(as_text=True)  # nothing promised
    publicity_services.finalise_round(organizer, round_,
                                    now=publicity.ends_at + timedelta(minutes=1))
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    figures = _section(html, "year-figures")
    assert f"{round_.year} 年度资助情况" in figures
    assert "立项项目" in figures and "¥30,000.00" in figures


def test_home_page_promises_only_what_the_platform_does(client, app):
    html = client.get("/").get_data(as_text=True)
    assert "分期拨付" not in html and "验收结项" not in html
