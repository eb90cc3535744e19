"""Staff conflicts: an organizer who belongs to an applying group takes no action on its
projects — decision, objections, reopening reviews, choosing reviewers — and does not see who
reviewed or objected to them."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.applications.models import ApplicationStatus
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.review import assigning, conflicts, decisions, policy, reviewing
from marketplace.review import publicity as review_publicity
from marketplace.review.models import AssignmentStatus, Objection, ReviewAssignment
from tests.factories import (
    make_application,
    make_assignment,
    make_organisation,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_submitted_review,
    make_user,
)


@pytest.fixture
def scene(app):
    """An organizer who is a member of the applying group, a colleague who is not, the
    group's application with a submitted review, and an objection against it."""
    insider, colleague = make_organizer(name="组内工作人员"), make_organizer(name="其他工作人员")
    group = make_organisation(members=[insider])
    application = make_application(make_review_round(), group)
    review = make_submitted_review(application, make_reviewer(), [10, 10, 10, 10, 10])
    objection = Objection(round_id=application.round_id, application=application, name="甲",
                          contact="x", text="内容足够长的一条异议文字。")
    people = {"colleague": colleague, "insider": insider, "reviewer": make_reviewer(),
              "member": make_user(), "anonymous": None}
    return dict(people=people, application=application, review=review, objection=objection)


# policy question -> what it is asked about
SUBJECTS = {
    "can_decide": "application",
    "can_assign_reviewers": "application",
    "can_see_review_details": "application",
    "can_reopen_review": "review",
    "can_answer_objection": "objection",
}


@pytest.mark.parametrize("question", list(SUBJECTS))
@pytest.mark.parametrize("who, allowed", [("colleague", True), ("insider", False),
                                          ("reviewer", False), ("member", False),
                                          ("anonymous", False)])
def test_staff_action_on_a_project_is_for_staff_outside_the_applying_group(
        scene, question, who, allowed):
    decision = getattr(policy, question)(scene["people"][who], scene[SUBJECTS[question]])
    assert bool(decision) is allowed
    if who == "insider":
        assert "自己所在组织" in decision.reason


@pytest.mark.parametrize("who, allowed", [("colleague", True), ("insider", False),
                                          ("reviewer", False)])
def test_publishing_or_finalising_is_refused_to_a_member_of_an_approved_group(
        scene, who, allowed):
    application = scene["application"]
    decision = policy.can_list_approvals(scene["people"][who], application.round,
                                         {application.organisation_id})
    assert bool(decision) is allowed


def test_insider_may_not_answer_objections_against_the_groups_project(scene):
    insider, colleague = scene["people"]["insider"], scene["people"]["colleague"]
    application = scene["application"]
    decisions.approve_application(colleague, application, Decimal("1000"))
    review_publicity.publish_publicity(colleague, application.round)
    objection = review_publicity.file_objection(application.round, review_publicity.ObjectionData(
        application.id, "甲", "x", "内容足够长的一条异议文字。"))
    db.session.commit()
    with pytest.raises(NotAllowed, match="自己所在组织"):
        decisions.dismiss_objection(insider, objection, "不成立")
    with pytest.raises(NotAllowed, match="自己所在组织"):
        decisions.uphold_objection(insider, objection, "成立")


def test_insider_may_not_reopen_the_groups_reviews(scene):
    with pytest.raises(NotAllowed, match="自己所在组织"):
        reviewing.reopen_review(scene["people"]["insider"], scene["review"], "请补充")


def test_insider_may_not_pick_or_remove_the_groups_reviewers(scene):
    insider, application = scene["people"]["insider"], scene["application"]
    with pytest.raises(NotAllowed, match="自己所在组织"):
        assigning.add_assignment(insider, application, make_reviewer())
    unsubmitted = make_assignment(application, make_reviewer())
    with pytest.raises(NotAllowed, match="自己所在组织"):
        assigning.remove_assignment(insider, unsubmitted)


def test_auto_assignment_by_an_insider_leaves_the_groups_projects_to_colleagues(scene):
    insider, application = scene["people"]["insider"], scene["application"]
    other = make_application(application.round)
    for _ in range(3):
        make_reviewer()
    outcome = assigning.auto_assign(insider, application.round)
    db.session.commit()
    on = {a.application_id for a in db.session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.status == AssignmentStatus.ACTIVE, ReviewAssignment.assigned_by_id
        == insider.id))}
    assert on == {other.id}
    assert outcome.left_to_others == 1


def test_insider_may_neither_publish_nor_finalise_a_list_with_the_groups_project(scene):
    insider, colleague = scene["people"]["insider"], scene["people"]["colleague"]
    application = scene["application"]
    round_ = application.round
    decisions.approve_application(colleague, application, Decimal("1000"))
    with pytest.raises(NotAllowed, match="其他工作人员"):
        review_publicity.publish_publicity(insider, round_)
    publicity = review_publicity.publish_publicity(colleague, round_)
    db.session.commit()
    after = publicity.ends_at + timedelta(minutes=1)
    with pytest.raises(NotAllowed, match="其他工作人员"):
        review_publicity.finalise_round(insider, round_, now=after)
    assert review_publicity.finalise_round(colleague, round_, now=after) == 1


def test_insider_pages_hide_who_reviewed_or_objected_to_the_groups_project(scene, login_as):
    insider, colleague = scene["people"]["insider"], scene["people"]["colleague"]
    application, review = scene["application"], scene["review"]
    reviewer = review.assignment.reviewer
    conflicts.declare_conflict(reviewer, application.organisation.name)  # a submitted review
    db.session.commit()
    assert "需处理的回避声明" in login_as(colleague).get(
        f"/review/rounds/{application.round_id}").get_data(as_text=True)
    client = login_as(insider)
    assert client.get(f"/review/decisions/{application.id}").status_code == 404
    manage = client.get(f"/review/rounds/{application.round_id}").get_data(as_text=True)
    assert "需处理的回避声明" not in manage
    row = manage[manage.index(application.title):]
    row = row[:row.index("</tr>")]
    assert "回避" in row and reviewer.name not in row

    decisions.approve_application(colleague, application, Decimal("1000"))
    review_publicity.publish_publicity(colleague, application.round)
    review_publicity.file_objection(application.round, review_publicity.ObjectionData(
        application.id, "异议人张三", "13811112222", "内容足够长的一条异议文字。"))
    db.session.commit()
    page = client.get(f"/review/rounds/{application.round_id}/objections").get_data(True)
    assert "内容足够长" in page and "异议人张三" not in page and "13811112222" not in page
    page = login_as(colleague).get(f"/review/rounds/{application.round_id}/objections")
    assert "13811112222" in page.get_data(True)


def test_organizer_outside_the_group_decides_as_before(scene):
    colleague, application = scene["people"]["colleague"], scene["application"]
    decisions.reject_application(colleague, application, "服务对象不够明确")
    assert application.status == ApplicationStatus.REJECTED


def test_insider_is_not_mailed_about_the_groups_reviewers_or_objections(scene):
    from marketplace.notify.models import OutboxMessage

    insider, colleague = scene["people"]["insider"], scene["people"]["colleague"]
    application = scene["application"]
    reviewer = make_reviewer()
    before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0  # the scene's own
    conflicts.recuse(reviewer, make_assignment(application, reviewer), "我是该组织的顾问")
    decisions.approve_application(colleague, application, Decimal("1000"))
    review_publicity.publish_publicity(colleague, application.round)
    review_publicity.file_objection(application.round, review_publicity.ObjectionData(
        application.id, "甲", "x", "内容足够长的一条异议文字。"))
    db.session.commit()
    told = {(m.template, m.to_address) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id > before))}
    assert told == {("review/recused", colleague.email),
                    ("review/objection_filed", colleague.email)}
    assert insider.email not in {address for _, address in told}
