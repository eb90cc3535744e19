"""Reviewers' standing conflicts (回避声明): what a declaration changes, and what it must not
reveal or undo."""
import re

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from marketplace.review import assigning, results, rules
from marketplace.review.models import AssignmentStatus, ReviewAssignment, ReviewerConflict
from marketplace.rounds.models import RoundStatus
from tests.factories import (
    make_application,
    make_assignment,
    make_organisation,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_submitted_review,
)

SECRET_NAME = "匿名评审里的志愿服务中心"


def _declare(client, text: str):
    return client.post("/review/conflicts", data={"organisation": text})


def _alerts(html: str) -> list[str]:
    return [" ".join(m.split()) for m in re.findall(r'role="alert">(.*?)<button', html, re.S)]


def _queue(client) -> list[str]:
    html = client.get("/review/").get_data(as_text=True)
    return re.findall(r'<a [^>]*data-testid="queue-item">.*?</a>', html, re.S)


def _status(assignment) -> AssignmentStatus:
    db.session.expire_all()
    return db.session.get(ReviewAssignment, assignment.id).status


def test_submitted_score_survives_a_standing_conflict(app, login_as):
    round_ = make_review_round()
    organisation = make_organisation()
    application = make_application(round_, organisation)
    reviewer, other = make_reviewer(), make_reviewer()
    make_submitted_review(application, reviewer, [20, 20, 25, 20, 15])  # 100
    make_submitted_review(application, other, [10, 10, 12.5, 10, 7.5])  # 50
    assignment = db.session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.reviewer_id == reviewer.id))

    _declare(login_as(reviewer), organisation.name)

    assert _status(assignment) == AssignmentStatus.ACTIVE
    [row] = results.ranking(round_, round_.pools[0])
    assert row.done == 2 and str(row.score) == "75.00"


def test_standing_conflict_leaves_rounds_past_review_alone(app, login_as):
    round_ = make_review_round(status=RoundStatus.PUBLICITY)
    organisation = make_organisation()
    reviewer = make_reviewer()
    unsubmitted = make_assignment(make_application(round_, organisation), reviewer)

    _declare(login_as(reviewer), organisation.name)

    assert _status(unsubmitted) == AssignmentStatus.ACTIVE


def test_standing_conflict_recuses_unsubmitted_assignments_of_an_open_round_in_review(
        app, login_as):
    make_organizer(email="organizer@example.org")
    organisation = make_organisation()
    application = make_application(make_review_round(), organisation)
    reviewer = make_reviewer()
    assignment = make_assignment(application, reviewer)

    _declare(login_as(reviewer), organisation.uscc)

    assert _status(assignment) == AssignmentStatus.RECUSED
    mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_address == "organizer@example.org"))
    assert application.title in mail.body_text


def test_blind_round_conflict_leaves_the_reviewers_queue_unchanged(app, login_as):
    round_ = make_review_round()
    rules.stored_settings(round_).blind = True
    secret = make_organisation(name=SECRET_NAME)
    reviewer = make_reviewer()
    touched = make_assignment(make_application(round_, secret), reviewer)
    make_assignment(make_application(round_), reviewer)
    client = login_as(reviewer)
    before = _queue(client)

    _declare(client, SECRET_NAME)

    assert _status(touched) == AssignmentStatus.ACTIVE
    assert len(before) == 2 and _queue(client) == before


def test_blind_round_conflict_is_shown_to_the_organizer_who_reassigns(app, login_as):
    organizer = make_organizer(email="organizer@example.org")
    round_ = make_review_round()
    rules.stored_settings(round_).blind = True
    secret = make_organisation(name=SECRET_NAME)
    application = make_application(round_, secret, title="海岛护学")
    reviewer = make_reviewer(name="王专家")
    assignment = make_assignment(application, reviewer)
    _declare(login_as(reviewer), SECRET_NAME)

    mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.template == "review/conflict"))
    assert mail.to_address == "organizer@example.org" and "王专家" in mail.body_text
    client = login_as(organizer)
    page = client.get(f"/review/rounds/{round_.id}").get_data(as_text=True)
    assert "需处理的回避声明" in page and "王专家" in page and "海岛护学" in page
    client.post(f"/review/assignments/{assignment.id}/remove")
    assert _status(assignment) == AssignmentStatus.REMOVED
    page = client.get(f"/review/rounds/{round_.id}").get_data(as_text=True)
    assert "需处理的回避声明" not in page


def test_conflict_page_answers_the_same_whether_or_not_the_organisation_exists(app, login_as):
    existing = make_organisation(name="真实存在的志愿服务队")
    client = login_as(make_reviewer())

    answers = []
    for text in ("真实存在的志愿服务队", "根本不存在的志愿服务队"):
        response = _declare(client, text)
        answers.append((response.status_code, response.headers.get("Location"),
                        _alerts(client.get("/review/conflicts").get_data(as_text=True))))

    assert answers[0] == answers[1]
    assert answers[0][0] == 302 and existing.id


def test_conflict_declared_before_an_organisation_registers_still_applies(app, login_as):
    organizer = make_organizer()
    reviewer, free = make_reviewer(), make_reviewer()
    _declare(login_as(reviewer), "将来才注册的志愿服务队")
    round_ = make_review_round()
    rules.stored_settings(round_).reviewers_per_application = 1
    later = make_organisation(name="将来才注册的志愿服务队")
    application = make_application(round_, later)
    db.session.commit()

    assigning.auto_assign(organizer, round_)
    db.session.commit()

    assigned = db.session.scalars(select(ReviewAssignment.reviewer_id).where(
        ReviewAssignment.application_id == application.id)).all()
    assert assigned == [free.id]
    assert db.session.scalar(select(ReviewerConflict.declared_as)) == "将来才注册的志愿服务队"
