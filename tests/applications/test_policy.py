"""The policy table: who may view, edit, submit, withdraw and return, in which state, and
when (before / after the deadline)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.applications import policy
from marketplace.applications.models import ApplicationStatus as S
from marketplace.extensions import db
from marketplace.organisations.models import MemberRole, Membership
from tests.factories import make_application, make_organisation, make_user

MEMBER, OTHER, ORGANIZER, ADMIN, ANONYMOUS = "member", "other", "organizer", "admin", "anonymous"
STAFF_MEMBER = "organizer who is a member of the applying group"


@pytest.fixture
def people(member, organisation, organizer):
    outsider = make_user()
    make_organisation(outsider)
    from flask_login import AnonymousUserMixin

    staff_member = make_user(roles=[Role.ORGANIZER])
    organisation.memberships.append(Membership(user=staff_member, role=MemberRole.MEMBER))
    db.session.commit()
    return {MEMBER: member, OTHER: outsider, ORGANIZER: organizer,
            ADMIN: make_user(roles=[Role.ADMIN]), STAFF_MEMBER: staff_member,
            ANONYMOUS: AnonymousUserMixin()}


# (question, who, status, after the deadline?, expected)
TABLE = [
    ("can_view", MEMBER, S.DRAFT, False, True),
    ("can_view", ORGANIZER, S.SUBMITTED, False, True),
    ("can_view", ORGANIZER, S.DRAFT, False, False),      # a draft belongs to its group
    ("can_view", ORGANIZER, S.RETURNED, False, True),    # submitted once: staff still see it
    ("can_view", ORGANIZER, S.WITHDRAWN, False, True),   # withdrawn after submission
    ("can_view", ADMIN, S.DRAFT, False, False),
    ("can_view", ADMIN, S.SUBMITTED, False, True),
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
    # Staff who belong to the applying group act on it only as members.
    ("can_return", STAFF_MEMBER, S.SUBMITTED, False, False),
    ("can_view", STAFF_MEMBER, S.DRAFT, False, True),
    ("can_edit", STAFF_MEMBER, S.DRAFT, False, True),
]


@pytest.mark.parametrize("question, who, status, late, expected", TABLE)
def test_policy_table(people, organisation, open_round, question, who, status, late,
                      expected):
    application = make_application(open_round, organisation, status=status)
    now = open_round.deadline_at + timedelta(seconds=1) if late else None
    check = getattr(policy, question)
    decision = check(people[who], application) if question == "can_view" else check(
        people[who], application, now)
    assert bool(decision) is expected
    if not expected:
        assert decision.reason  # a refusal always says why


def test_the_deadline_second_itself_still_counts(member, organisation, open_round):
    application = make_application(open_round, organisation)
    assert policy.can_edit(member, application, open_round.deadline_at)
    assert not policy.can_edit(member, application,
                               open_round.deadline_at + timedelta(seconds=1))


def test_visible_applications_is_scoped_to_the_users_organisations(member, organisation,
                                                                   open_round, organizer):
    mine = make_application(open_round, organisation)
    theirs = make_application(open_round, make_organisation(), status=S.SUBMITTED)
    ids = set(db.session.scalars(policy.visible_applications(member).with_only_columns(
        policy.Application.id)))
    assert ids == {mine.id}
    everything = set(db.session.scalars(policy.visible_applications(organizer)
                                        .with_only_columns(policy.Application.id)))
    assert everything == {theirs.id}


def _ids(user) -> set[int]:
    return set(db.session.scalars(policy.visible_applications(user)
                                  .with_only_columns(policy.Application.id)))


def test_staff_do_not_see_drafts_never_submitted(organisation, open_round, organizer):
    draft = make_application(open_round, organisation)
    withdrawn_draft = make_application(open_round, organisation, status=S.WITHDRAWN,
                                       submitted=False)
    withdrawn = make_application(open_round, organisation, status=S.WITHDRAWN)
    returned = make_application(open_round, organisation, status=S.RETURNED)
    admin = make_user(roles=[Role.ADMIN])
    for staff in (organizer, admin):
        assert _ids(staff) == {withdrawn.id, returned.id}
        assert not policy.can_view(staff, draft)
        assert not policy.can_view(staff, withdrawn_draft)
        assert policy.can_view(staff, withdrawn)


def test_staff_who_are_members_see_their_own_groups_drafts(open_round, organizer):
    own = make_organisation(organizer)
    draft = make_application(open_round, own)
    assert policy.can_view(organizer, draft)
    assert _ids(organizer) == {draft.id}


def test_an_assigned_reviewer_may_view_and_others_may_not(member, organisation, open_round):
    from tests.factories.review import make_assignment

    application = make_application(open_round, organisation, status=S.IN_REVIEW)
    assigned = make_user(roles=[Role.REVIEWER])
    unassigned = make_user(roles=[Role.REVIEWER])
    make_assignment(application, assigned)
    assert policy.can_view(assigned, application)
    assert not policy.can_view(unassigned, application)
