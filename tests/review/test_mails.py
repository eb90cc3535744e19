"""The mails review sends that were missing (issue 11, point 13): a reviewer hears of an
assignment with the review deadline and is reminded before it; a group hears its application
went into review and, at the end, the decision with a link to it; an objector who left an
e-mail address hears the outcome — neutral, nothing anyone typed. Each also reaches the
person's notification centre when the address has an account."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db
from marketplace.notify.models import Notification, OutboxMessage
from marketplace.review import assigning, decisions, reminders, rules
from marketplace.review import publicity as review_publicity
from marketplace.review.models import AssignmentStatus, ReviewAssignment
from marketplace.rounds.models import RoundStatus
from tests.concurrency import race
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

SCORES = [18, 17, 20, 15, 12]


def _mails(template: str, to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.template == template)
    if to is not None:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def _local(when) -> str:
    return f"{to_local(when):%Y-%m-%d %H:%M}"


# --- reviewers ----------------------------------------------------------------------------------

def test_a_reviewer_hears_of_an_assignment_with_the_review_deadline(app):
    round_ = make_review_round(review_ends_at=utcnow() + timedelta(days=10))
    application = make_application(round_)
    reviewer = make_reviewer()
    assigning.add_assignment(make_organizer(), application, reviewer)
    db.session.commit()
    [mail] = _mails("review/assigned", reviewer.email)
    assert round_.title in mail.subject
    assert "1 份" in mail.body_text and _local(round_.review_ends_at) in mail.body_text
    assert f"/review/applications/{application.id}" in mail.body_text
    notification = db.session.scalar(select(Notification).where(
        Notification.user_id == reviewer.id))
    assert notification.link == f"/review/applications/{application.id}"


def test_an_assignment_before_the_deadline_is_set_says_it_is_not_set_yet(app):
    reviewer = make_reviewer()
    assigning.add_assignment(make_organizer(), make_application(make_review_round()), reviewer)
    [mail] = _mails("review/assigned", reviewer.email)
    assert "评审截止时间尚未确定" in mail.body_text


def test_a_reviewer_assigned_again_after_removal_hears_again(app):
    organizer, reviewer = make_organizer(), make_reviewer()
    application = make_application(make_review_round())
    assignment = assigning.add_assignment(organizer, application, reviewer)
    assigning.remove_assignment(organizer, assignment)
    assigning.add_assignment(organizer, application, reviewer)
    assert assignment.status == AssignmentStatus.ACTIVE
    assert len(_mails("review/assigned", reviewer.email)) == 2


def test_automatic_assignment_mails_each_reviewer_once_with_their_count(app):
    round_ = make_review_round()
    rules.stored_settings(round_).reviewers_per_application = 2
    for _ in range(3):
        make_application(round_)
    first, second = make_reviewer(), make_reviewer()
    outcome = assigning.auto_assign(make_organizer(), round_)
    db.session.commit()
    assert outcome.made == 6
    for reviewer in (first, second):
        [mail] = _mails("review/assigned", reviewer.email)
        assert "3 份" in mail.body_text and "/review/" in mail.body_text


def _due_soon(days: float = 2):
    """A round in review whose deadline is `days` away, with a reviewer who has two reviews
    to submit and one who has submitted everything."""
    round_ = make_review_round()
    busy, done = make_reviewer(), make_reviewer()
    for _ in range(2):
        make_assignment(make_application(round_), busy)
    make_submitted_review(make_application(round_), done, SCORES)
    round_.review_ends_at = utcnow() + timedelta(days=days)
    db.session.commit()
    return round_, busy, done


def test_reviewers_with_reviews_due_soon_are_reminded_once_a_day(app):
    round_, busy, done = _due_soon()
    assert reminders.remind_reviewers() == 1
    [mail] = _mails("review/deadline_reminder")
    assert mail.to_address == busy.email and round_.title in mail.subject
    assert "2 份" in mail.body_text and _local(round_.review_ends_at) in mail.body_text
    db.session.commit()
    assert reminders.remind_reviewers() == 0  # again the same day: nothing
    assert reminders.remind_reviewers(now=utcnow() + timedelta(days=1)) == 1  # the next day
    assert _mails("review/deadline_reminder", done.email) == []


def test_no_reminder_far_from_the_deadline_after_it_or_for_a_decided_project(app):
    round_, busy, _ = _due_soon(days=10)
    assert reminders.remind_reviewers() == 0
    round_.review_ends_at = utcnow() - timedelta(minutes=1)
    assert reminders.remind_reviewers() == 0
    round_.review_ends_at = utcnow() + timedelta(days=1)
    for application in db.session.scalars(select(Application).join(
            ReviewAssignment, ReviewAssignment.application_id == Application.id).where(
            ReviewAssignment.reviewer_id == busy.id)):
        decisions.reject_application(make_organizer(), application, "不符合要求")
    assert reminders.remind_reviewers() == 0


def test_the_remind_command_queues_the_reminders(app):
    _due_soon()
    result = CliRunner().invoke(app.cli, ["review", "remind"], catch_exceptions=False)
    assert result.exit_code == 0 and "reminders queued: 1" in result.output
    db.session.rollback()
    assert len(_mails("review/deadline_reminder")) == 1  # committed by the command


def test_two_reminder_runs_at_once_send_one_mail(app):
    _due_soon()
    db.session.remove()
    results = race(app, 3, lambda i, start: (start(), reminders.remind_reviewers()))
    assert results == ["ok"] * 3, results
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.template == "review/deadline_reminder")) == 1


# --- groups ---------------------------------------------------------------------------------

def test_a_group_hears_its_application_went_into_review(app):
    member = make_user()
    organisation = make_organisation(members=[member])
    round_ = make_round()
    application = make_application(round_, organisation, status=ApplicationStatus.SUBMITTED)
    assigning.start_review(make_organizer(), round_,
                           now=round_.deadline_at + timedelta(seconds=1))
    db.session.commit()
    mails = _mails("review/in_review")
    assert sorted(m.to_address for m in mails) == sorted(
        m.user.email for m in organisation.memberships)
    assert application.title in mails[0].subject
    assert f"/applications/{application.id}" in mails[0].body_text
    notification = db.session.scalar(select(Notification).where(
        Notification.user_id == member.id, Notification.template == "review/in_review"))
    assert notification.link == f"/applications/{application.id}"


def test_the_decision_mail_links_to_the_application(app):
    organizer = make_organizer()
    round_ = make_review_round(publicity_days=7)
    approved = make_application(round_, requested="30000")
    rejected = make_application(round_, requested="10000")
    decisions.approve_application(organizer, approved, Decimal("30000"))
    decisions.reject_application(organizer, rejected, "服务对象不够明确")
    review_publicity.publish_publicity(organizer, round_, now=utcnow() - timedelta(days=8))
    review_publicity.finalise_round(organizer, round_)
    db.session.commit()
    assert round_.status == RoundStatus.DELIVERY
    for application in (approved, rejected):
        owner = application.organisation.memberships[0].user
        [mail] = _mails("review/decision", owner.email)
        assert f"/applications/{application.id}" in mail.body_text


# --- objectors ------------------------------------------------------------------------------

def _objection(contact: str):
    organizer = make_organizer()
    round_ = make_review_round()
    approved = make_application(round_, requested="30000", title="海岛护学")
    decisions.approve_application(organizer, approved, Decimal("30000"))
    review_publicity.publish_publicity(organizer, round_)
    objection = review_publicity.file_objection(round_, review_publicity.ObjectionData(
        approved.id, "热心市民王某", contact, "该项目与去年资助的项目内容完全重复。"))
    db.session.commit()
    return organizer, round_, objection


@pytest.mark.parametrize("answer, outcome", [(decisions.dismiss_objection, "不成立"),
                                             (decisions.uphold_objection, "成立")])
def test_an_objector_who_left_an_address_hears_the_outcome_and_nothing_typed(app, answer,
                                                                            outcome):
    organizer, round_, objection = _objection("citizen@example.org")
    answer(organizer, objection, "经核实，两个项目服务对象不同。")
    db.session.commit()
    [mail] = _mails("review/objection_answered", "citizen@example.org")
    text = mail.subject + mail.body_text
    assert objection.reference in text and f"结果：{outcome}。" in text
    assert f"/publicity/{round_.id}" in text
    for typed in ("热心市民王某", "完全重复", "服务对象不同", "海岛护学"):
        assert typed not in text


def test_an_objector_who_left_a_phone_number_gets_no_mail(app):
    organizer, _, objection = _objection("13800001111")
    decisions.dismiss_objection(organizer, objection, "经核实，两个项目服务对象不同。")
    assert _mails("review/objection_answered") == []


def test_an_objectors_answer_reaches_their_account_too(app):
    citizen = make_user("citizen@example.org")
    organizer, _, objection = _objection("citizen@example.org")
    decisions.dismiss_objection(organizer, objection, "经核实，两个项目服务对象不同。")
    db.session.commit()
    templates = set(db.session.scalars(select(Notification.template).where(
        Notification.user_id == citizen.id)))
    assert "review/objection_answered" in templates
