"""The policy table: who may view, edit, submit, withdraw and return, in which state, and
when (before / after the deadline)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.applications import policy
from marketplace.applications.models import ApplicationStatus as S
from marketplace.extensions import db
from tests.factories import make_organisation, make_proposal, make_user

MEMBER, OTHER, ORGANIZER, ANONYMOUS = "member", "other", "organizer", "anonymous"


@pytest.fixture
def people(member, organisation, organizer):
    outsider = make_user()
    make_organisation(outsider)
    from flask_login import AnonymousUserMixin

    return {MEMBER: member, OTHER: outsider, ORGANIZER: organizer,
            ANONYMOUS: AnonymousUserMixin()}


# (question, who, status, after the deadline?, expected)
TABLE = [
    ("can_view", MEMBER, S.DRAFT, False, True),
    ("can_view", ORGANIZER, S.SUBMITTED, False, True),
    ("can_view", OTHER, S.SUBMITTED, False, False),
    ("can_view", ANONYMOUS, S.SUBMITTED, False, False),
    ("can_edit", MEMBER, S.DRAFT, False, True),
    ("can_edit", MEMBER, S.RETURNED, False, True),
    ("can_edit", MEMBER, S.SUBMITTED, False, False),
    ("can_edit", MEMBER, S.WITHDRAWN, False, False),
    ("can_edit", MEMBER, S.DRAFT, True, False),
    ("can_edit", ORGANIZER, S.DRAFT, False, False),
    ("can_edit", OTHER, S.DRAFT, False, False),
    ("can_submit", MEMBER, S.DRAFT, False, True),
    ("can_submit", MEMBER, S.RETURNED, False, True),
    ("can_submit", MEMBER, S.SUBMITTED, False, False),
    ("can_submit", MEMBER, S.IN_REVIEW, False, False),
    ("can_submit", OTHER, S.DRAFT, False, False),
    ("can_withdraw", MEMBER, S.DRAFT, False, True),
    ("can_withdraw", MEMBER, S.SUBMITTED, False, True),
    ("can_withdraw", MEMBER, S.RETURNED, False, True),
    ("can_withdraw", MEMBER, S.SUBMITTED, True, False),
    ("can_withdraw", MEMBER, S.IN_REVIEW, False, False),
    ("can_withdraw", ORGANIZER, S.SUBMITTED, False, False),
    ("can_return", ORGANIZER, S.SUBMITTED, False, True),
    ("can_return", ORGANIZER, S.SUBMITTED, True, False),
    ("can_return", ORGANIZER, S.DRAFT, False, False),
    ("can_return", MEMBER, S.SUBMITTED, False, False),
]


@pytest.mark.parametrize("question, who, status, late, expected", TABLE)
def test_policy_table(people, organisation, open_round, question, who, status, late,
                      expected):
    application = make_proposal(open_round, organisation, status=status)
    now = open_round.deadline_at + timedelta(seconds=1) if late else None
    check = getattr(policy, question)
    decision = check(people[who], application) if question == "can_view" else check(
        people[who], application, now)
    assert bool(decision) is expected
    if not expected:
        assert decision.reason  # a refusal always says why


def test_the_deadline_second_itself_still_counts(member, organisation, open_round):
    application = make_proposal(open_round, organisation)
    assert policy.can_edit(member, application, open_round.deadline_at)
    assert not policy.can_edit(member, application,
                               open_round.deadline_at + timedelta(seconds=1))


def test_visible_applications_is_scoped_to_the_users_organisations(member, organisation,
                                                                   open_round, organizer):
    mine = make_proposal(open_round, organisation)
    theirs = make_proposal(open_round, make_organisation())
    ids = set(db.session.scalars(policy.visible_applications(member).with_only_columns(
        policy.Application.id)))
    assert ids == {mine.id}
    everything = set(db.session.scalars(policy.visible_applications(organizer)
                                        .with_only_columns(policy.Application.id)))
    assert everything == {mine.id, theirs.id}


def test_an_assigned_reviewer_may_view_and_others_may_not(member, organisation, open_round):
    from tests.factories.review import make_assignment

    application = make_proposal(open_round, organisation, status=S.IN_REVIEW)
    assigned = make_user(roles=[Role.REVIEWER])
    unassigned = make_user(roles=[Role.REVIEWER])
    make_assignment(application, assigned)
    assert policy.can_view(assigned, application)
    assert not policy.can_view(unassigned, application)
