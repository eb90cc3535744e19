"""The manage-round page (issue 11, point 10): the round's stage, only the actions that fit
it — the round table's moves out of the current stage — and the next step in words. A later
stage's button never sits beside the current one's."""
from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.review import decisions, publicity
from marketplace.rounds.models import RoundStatus
from tests.factories import (
    make_application,
    make_assignment,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_round,
    make_submitted_review,
)

START, ASSIGN, PUBLISH, FINALISE = "开始评审", "自动分配评审专家", "发布公示", "公示结束，确认立项"


def _actions(html: str) -> str:
    return html.split('data-testid="stage-actions"')[1].split("</section>")[0]


def _page(login_as, round_) -> str:
    page = login_as(make_organizer()).get(f"/review/rounds/{round_.id}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _stage(html: str) -> str:
    return html.split('aria-current="step" data-stage="')[1].split('"')[0]


@pytest.mark.parametrize("status, shown, next_step", [
    (RoundStatus.OPEN, {START}, "申报截止"),
    (RoundStatus.REVIEWING, {ASSIGN, PUBLISH}, "下一步"),
    (RoundStatus.PUBLICITY, {FINALISE}, "确认立项"),
    (RoundStatus.DELIVERY, set(), "进入实施阶段"),
])
def test_each_stage_shows_only_its_own_actions(app, login_as, status, shown, next_step):
    if status == RoundStatus.OPEN:
        round_ = make_round(status=RoundStatus.OPEN)
    else:
        round_ = make_review_round(status=status)
    html = _page(login_as, round_)
    actions = _actions(html)
    for label in (START, ASSIGN, PUBLISH, FINALISE):
        assert (label in actions) == (label in shown), (status, label)
    assert _stage(html) == status.value
    assert next_step in html.split('data-testid="next-step">')[1].split("</p>")[0]
    ranking_links = "评审汇总表 ·" in html.split('data-testid="round-links"')[1].split("</div>")[0]
    assert ranking_links == (status != RoundStatus.OPEN)


def test_open_round_before_its_deadline_says_when_review_can_start(app, login_as):
    round_ = make_round(status=RoundStatus.OPEN, deadline_at=utcnow() + timedelta(days=3))
    html = _page(login_as, round_)
    step = html.split('data-testid="next-step">')[1].split("</p>")[0]
    assert "申报截止（" in step and "北京时间" in step


def test_reviewing_next_step_follows_the_work_left(app, login_as):
    round_ = make_review_round()
    application = make_application(round_, requested="1000")
    assert "为 1 个项目分配评审专家" in _page(login_as, round_)
    reviewer = make_reviewer()
    make_assignment(application, reviewer)
    assert "还缺 1 份" in _page(login_as, round_)
    make_submitted_review(application, reviewer, [15, 15, 20, 15, 10])
    assert "对 1 个项目作出立项决定" in _page(login_as, round_)
    decisions.approve_application(make_organizer(), application, Decimal("1000"))
    db.session.commit()
    assert "可以发布公示" in _page(login_as, round_)


def test_publicity_next_step_counts_open_objections(app, login_as):
    organizer = make_organizer()
    round_ = make_review_round()
    application = make_application(round_, requested="1000")
    decisions.approve_application(organizer, application, Decimal("1000"))
    publicity.publish_publicity(organizer, round_)
    publicity.file_objection(round_, publicity.ObjectionData(
        application.id, "甲", "x", "内容足够长的一条异议文字。"))
    db.session.commit()
    assert "答复 1 条异议" in _page(login_as, round_)
