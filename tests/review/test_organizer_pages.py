"""Organizer pages: rubric, settings, manual assignment, decisions through the form, access."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.applications.models import ApplicationStatus
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.review import assigning, policy, rules
from marketplace.review.models import (
    AssignmentStatus,
    OthersScores,
    ReviewAssignment,
    ScoringMethod,
)
from marketplace.rounds.models import RoundStatus
from marketplace.rounds.workflow import ROUND
from tests.factories import (
    make_application,
    make_challenge,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_round,
    make_submitted_review,
)


def test_default_rubric_weights_sum_to_100(app):
    rubric = rules.round_rubric(make_review_round())
    assert [(c.name, c.weight) for c in rubric.criteria] == [
        ("公益性", 20), ("创新性", 20), ("可行性", 25), ("社会效益", 20), ("可持续与可推广性", 15)]


def test_rubric_weights_must_sum_to_100(app):
    round_ = make_review_round()
    with pytest.raises(NotAllowed, match="100"):
        rules.save_rubric(make_organizer(), round_, [rules.CriterionData("甲", 60, 10),
                                      rules.CriterionData("乙", 30, 10)])


def test_challenge_bid_is_scored_by_the_challenges_own_rubric(app):
    organizer = make_organizer()
    round_ = make_review_round()
    challenge = make_challenge(round_)
    rules.save_rubric(organizer, round_, [rules.CriterionData("命题契合度", 60, 10),
                                  rules.CriterionData("执行力", 40, 10)],
                         challenge=challenge)
    db.session.commit()
    bid = make_application(round_, challenge=challenge)
    review = make_submitted_review(bid, make_reviewer(), [8, 5])
    assert [s.criterion.name for s in review.scores] == ["命题契合度", "执行力"]
    assert review.total == Decimal("68.00")  # 8/10×60 + 5/10×40
    open_call = make_application(round_)
    assert rules.rubric_for(open_call).challenge_id is None


def test_rubric_cannot_change_once_scored(app):
    organizer = make_organizer()
    application = make_application()
    make_submitted_review(application, make_reviewer(), [10, 10, 10, 10, 10])
    with pytest.raises(NotAllowed, match="不能再修改"):
        rules.save_rubric(organizer, application.round, [rules.CriterionData("甲", 100, 10)])


def test_organizer_edits_rubric_and_settings_through_the_pages(app, login_as):
    organizer = make_organizer()
    round_ = make_round()  # open: settings freeze once review starts
    client = login_as(organizer)
    data = {"criteria-0-name": "公益性", "criteria-0-weight": "50", "criteria-0-max_score": "10",
            "criteria-1-name": "可行性", "criteria-1-weight": "50", "criteria-1-max_score": "10"}
    assert client.post(f"/review/rounds/{round_.id}/rubric", data=data).status_code == 302
    assert [c.name for c in rules.round_rubric(round_).criteria] == ["公益性", "可行性"]
    client.post(f"/review/rounds/{round_.id}/settings", data={
        "reviewers_per_application": "2", "blind": "y", "others_scores": "never",
        "scoring_method": "zscore", "disagreement_points": "15"})
    db.session.expire_all()
    settings = rules.settings_for(round_)
    assert settings.blind and settings.scoring_method == ScoringMethod.ZSCORE
    assert settings.reviewers_per_application == 2 and settings.disagreement_points == 15


def test_organizer_assigns_and_removes_reviewers_by_hand(app, login_as):
    organizer = make_organizer()
    reviewer = make_reviewer()
    application = make_application()
    client = login_as(organizer)
    client.post(f"/review/applications/{application.id}/assign",
                data={"reviewer_id": reviewer.id})
    assignment = db.session.scalar(select(ReviewAssignment))
    assert assignment.status == AssignmentStatus.ACTIVE
    client.post(f"/review/assignments/{assignment.id}/remove")
    db.session.expire_all()
    assert assignment.status == AssignmentStatus.REMOVED
    assert not policy.reviewer_may_see(reviewer, application)


def test_organizer_auto_assigns_through_the_page(app, login_as):
    organizer = make_organizer()
    round_ = make_review_round()
    reviewers = [make_reviewer() for _ in range(4)]
    for _ in range(5):
        make_application(round_)
    login_as(organizer).post(f"/review/rounds/{round_.id}/assign")
    counts = [len(db.session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.reviewer_id == r.id)).all()) for r in reviewers]
    assert sum(counts) == 15 and max(counts) - min(counts) <= 1


def test_decision_form_refuses_one_fen_over_the_pool_with_a_message(app, login_as):
    organizer = make_organizer()
    round_ = make_review_round()
    round_.pools[0].amount_fen = 1_000_000
    db.session.commit()
    application = make_application(round_, requested="20000")
    client = login_as(organizer)
    url = f"/review/decisions/{application.id}"
    page = client.post(url, data={"action": "approve", "amount": "10000.01",
                                  "pool_id": round_.pools[0].id, "feedback": ""})
    assert "余额不足" in page.get_data(True) and 'value="10000.01"' in page.get_data(True)
    client.post(url, data={"action": "approve", "amount": "10000.00",
                           "pool_id": round_.pools[0].id})
    db.session.expire_all()
    assert application.status == ApplicationStatus.APPROVED


def test_a_slip_in_the_amount_box_does_not_stop_a_rejection(app, login_as):
    round_ = make_review_round()
    application = make_application(round_)
    login_as(make_organizer()).post(
        f"/review/decisions/{application.id}",
        data={"action": "reject", "amount": "1e309", "pool_id": round_.pools[0].id,
              "feedback": "与本年度重点方向不符。"})
    db.session.expire_all()
    assert application.status == ApplicationStatus.REJECTED


def test_review_management_is_404_for_reviewers_and_members(app, login_as):
    round_ = make_review_round()
    application = make_application(round_)
    client = login_as(make_reviewer())
    for url in [f"/review/rounds/{round_.id}", f"/review/rounds/{round_.id}/ranking",
                f"/review/rounds/{round_.id}/ranking.xlsx", f"/review/decisions/{application.id}",
                f"/review/rounds/{round_.id}/objections"]:
        assert client.get(url).status_code == 404, url


def test_reviewer_page_works_in_english(app, login_as):
    application = make_application()
    reviewer = make_reviewer(locale="en")
    from tests.factories import make_assignment
    make_assignment(application, reviewer)
    client = login_as(reviewer)
    client.set_cookie("lang", "en")
    page = client.get(f"/review/applications/{application.id}").get_data(True)
    assert "Submit review" in page and "Overall comment" in page


@pytest.mark.parametrize("status", [RoundStatus.REVIEWING, RoundStatus.PUBLICITY])
def test_review_settings_are_frozen_once_review_starts(app, login_as, status):
    organizer = make_organizer()
    round_ = make_round()
    assigning.start_review(organizer, round_, now=round_.deadline_at + timedelta(seconds=1))
    if status == RoundStatus.PUBLICITY:  # the stage is what counts here, not its listings
        ROUND.move(organizer, round_, status, check=False)
    db.session.commit()
    with pytest.raises(NotAllowed, match="不能再修改"):
        rules.update_settings(organizer, round_, rules.SettingsData(
            reviewers_per_application=1, blind=True, others_scores=OthersScores.NEVER,
            scoring_method=ScoringMethod.ZSCORE, disagreement_points=5))
    db.session.rollback()  # as a refused request does: the round lock is let go
    client = login_as(organizer)
    client.post(f"/review/rounds/{round_.id}/settings", data={
        "reviewers_per_application": "1", "blind": "y", "others_scores": "never",
        "scoring_method": "zscore", "disagreement_points": "5"})
    db.session.expire_all()
    settings = rules.settings_for(round_)
    assert not settings.blind and settings.reviewers_per_application == 3
    assert settings.scoring_method == ScoringMethod.MEAN
    page = client.get(f"/review/rounds/{round_.id}").get_data(as_text=True)
    assert 'name="blind"' not in page and "不能再修改" in page
