"""Automatic assignment: conflicts never assigned, loads balanced, deterministic."""
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.review import assigning, conflicts, rules
from marketplace.review.assignment import plan_assignments
from marketplace.review.models import AssignmentStatus, ReviewAssignment
from tests.factories import (
    make_application,
    make_organisation,
    make_organizer,
    make_review_round,
    make_reviewer,
)


def _loads(plan, reviewers):
    counts = Counter(r for _, r in plan.pairs)
    return [counts.get(r, 0) for r in reviewers]


def test_conflicted_reviewers_are_never_assigned():
    apps = [(a, a % 4) for a in range(1, 21)]  # organisations 0..3
    excluded = {(1, 0), (2, 0), (2, 1), (3, 3), (5, 2)}
    plan = plan_assignments(apps, [1, 2, 3, 4, 5, 6], 3, excluded)
    org_of = dict(apps)
    assert plan.pairs and not plan.short
    assert all((r, org_of[a]) not in excluded for a, r in plan.pairs)


@settings(max_examples=60, deadline=None)
@given(n_apps=st.integers(1, 30), n_reviewers=st.integers(1, 9), k=st.integers(1, 4))
def test_loads_differ_by_at_most_one(n_apps, n_reviewers, k):
    reviewers = list(range(100, 100 + n_reviewers))
    plan = plan_assignments([(a, a) for a in range(n_apps)], reviewers, k, set())
    loads = _loads(plan, reviewers)
    assert max(loads) - min(loads) <= 1
    per_app = Counter(a for a, _ in plan.pairs)
    assert all(per_app[a] == min(k, n_reviewers) for a in range(n_apps))
    assert len(set(plan.pairs)) == len(plan.pairs)  # nobody twice on one application


def test_loads_stay_balanced_with_a_few_conflicts():
    apps = [(a, a) for a in range(1, 13)]
    plan = plan_assignments(apps, [1, 2, 3, 4, 5], 2, {(1, 1), (2, 2), (3, 3)})
    loads = _loads(plan, [1, 2, 3, 4, 5])
    assert max(loads) - min(loads) <= 1


def test_assignment_is_deterministic_for_the_same_input():
    apps = [(a, a % 3) for a in range(1, 11)]
    excluded = {(2, 1)}
    first = plan_assignments(apps, [4, 2, 3, 1], 2, excluded)
    second = plan_assignments(list(reversed(apps)), [1, 2, 3, 4], 2, excluded)
    assert first.pairs == second.pairs


def test_shortage_is_reported_when_too_few_reviewers_are_free():
    plan = plan_assignments([(1, 9)], [1, 2], 3, {(2, 9)})
    assert plan.pairs == [(1, 1)] and plan.short == {1: 2}


def test_auto_assign_excludes_conflicts_and_own_organisation(app):
    organizer = make_organizer()
    round_ = make_review_round()
    rules.stored_settings(round_).reviewers_per_application = 2
    declared, member, free1, free2 = (make_reviewer() for _ in range(4))
    org = make_organisation(members=[member])
    conflicts.declare_conflict(declared, org.name)
    application = make_application(round_, org)
    others = [make_application(round_) for _ in range(3)]
    made, short, _ = assigning.auto_assign(organizer, round_)
    db.session.commit()
    assert made == 8 and short == {}
    on_app = set(db.session.scalars(select(ReviewAssignment.reviewer_id).where(
        ReviewAssignment.application_id == application.id)))
    assert on_app == {free1.id, free2.id}
    loads = Counter(db.session.scalars(select(ReviewAssignment.reviewer_id)))
    assert max(loads.values()) - min(loads.values()) <= 1
    # Running it again adds nothing.
    assert assigning.auto_assign(organizer, round_)[0] == 0
    assert len(others) == 3


def test_reviewer_declaring_conflict_on_assigned_proposal_is_recused_and_organizer_told(app):
    from marketplace.notify.models import OutboxMessage

    organizer = make_organizer(email="org@example.org")
    reviewer = make_reviewer()
    application = make_application()
    assigning.add_assignment(organizer, application, reviewer)
    db.session.commit()
    assignment = db.session.scalar(select(ReviewAssignment))
    conflicts.recuse(reviewer, assignment, "我是该组织的顾问")
    db.session.commit()
    assert assignment.status == AssignmentStatus.RECUSED
    mail = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "review/recused")).all()
    assert [m.to_address for m in mail] == ["org@example.org"]
    assert application.title in mail[0].body_text
    from marketplace.review.policy import reviewer_may_see
    assert not reviewer_may_see(reviewer, application)
    # The organizer reassigns: auto-assignment never puts the recused reviewer back.
    other = make_reviewer()
    rules.stored_settings(application.round).reviewers_per_application = 1
    assigning.auto_assign(organizer, application.round)
    active = db.session.scalars(select(ReviewAssignment.reviewer_id).where(
        ReviewAssignment.status == AssignmentStatus.ACTIVE)).all()
    assert active == [other.id]


def test_manual_assignment_of_conflicted_reviewer_is_refused(app):
    import pytest

    from marketplace.core.policy import NotAllowed

    organizer = make_organizer()
    reviewer = make_reviewer()
    application = make_application()
    conflicts.declare_conflict(reviewer, application.organisation.uscc)
    with pytest.raises(NotAllowed, match="回避"):
        assigning.add_assignment(organizer, application, reviewer)
