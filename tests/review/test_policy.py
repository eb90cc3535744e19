"""Who may do what in review, decisions and 公示: one table, every question of
review/policy.py asked of every kind of person about one project in review.

An admin may do everything an organizer may; nobody — organizer or admin — acts on, and no
reviewer scores, a project of a group they belong to."""
from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.organisations.models import MemberRole, Membership
from marketplace.review import policy, reviewing, rules
from marketplace.review.models import Objection
from tests.factories import (
    make_application,
    make_assignment,
    make_organisation,
    make_review_round,
    make_user,
)

ANONYMOUS = "anonymous"
MEMBER = "member of the applying group"
ASSIGNED = "reviewer assigned to the project"
UNASSIGNED = "reviewer not assigned to it"
ASSIGNED_MEMBER = "reviewer assigned to a project of their own group"
ORGANIZER = "organizer"
ADMIN = "admin"
FINANCE = "finance"
ORGANIZER_MEMBER = "organizer who is a member of the applying group"
ADMIN_MEMBER = "admin who is a member of the applying group"

QUESTIONS = ("can_manage_review", "can_decide", "can_assign_reviewers", "can_reopen_review",
             "can_see_review_details", "can_answer_objection", "can_list_approvals",
             "can_score", "reviewer_may_see")

# Each person's answers, in the order of QUESTIONS.
T, F = True, False
TABLE = {
    ANONYMOUS:        (F, F, F, F, F, F, F, F, F),
    MEMBER:           (F, F, F, F, F, F, F, F, F),
    ASSIGNED:         (F, F, F, F, F, F, F, T, T),
    UNASSIGNED:       (F, F, F, F, F, F, F, F, F),
    # Assigned before anyone noticed the conflict: may read (it is their own group's
    # proposal anyway) but not score it.
    ASSIGNED_MEMBER:  (F, F, F, F, F, F, F, F, T),
    ORGANIZER:        (T, T, T, T, T, T, T, F, F),
    ADMIN:            (T, T, T, T, T, T, T, F, F),
    FINANCE:          (F, F, F, F, F, F, F, F, F),
    # The round's review as a whole stays theirs to run; this project is not.
    ORGANIZER_MEMBER: (T, F, F, F, F, F, F, F, F),
    ADMIN_MEMBER:     (T, F, F, F, F, F, F, F, F),
}


def _person(kind: str, group):
    if kind == ANONYMOUS:
        return AnonymousUserMixin()
    roles = {ASSIGNED: [Role.REVIEWER], UNASSIGNED: [Role.REVIEWER],
             ASSIGNED_MEMBER: [Role.REVIEWER], ORGANIZER: [Role.ORGANIZER],
             ADMIN: [Role.ADMIN], FINANCE: [Role.FINANCE], ORGANIZER_MEMBER: [Role.ORGANIZER],
             ADMIN_MEMBER: [Role.ADMIN]}.get(kind, [])
    user = make_user(roles=roles)
    if kind in (MEMBER, ASSIGNED_MEMBER, ORGANIZER_MEMBER, ADMIN_MEMBER):
        group.memberships.append(Membership(user=user, role=MemberRole.MEMBER))
        db.session.commit()
    return user


@pytest.fixture
def project(app):
    """A project in review with one other reviewer's draft review and an objection."""
    group = make_organisation()
    application = make_application(make_review_round(), group)
    other = make_user(roles=[Role.REVIEWER])
    review = reviewing.save_review(other, make_assignment(application, other), [], "")
    objection = Objection(round_id=application.round_id, application=application, name="甲",
                          contact="x", text="内容足够长的一条异议文字。")
    db.session.commit()
    return dict(group=group, application=application, review=review, objection=objection)


def _ask(question: str, user, project):
    application = project["application"]
    if question == "can_manage_review":
        return policy.can_manage_review(user, application.round)
    if question == "can_reopen_review":
        return policy.can_reopen_review(user, project["review"])
    if question == "can_answer_objection":
        return policy.can_answer_objection(user, project["objection"])
    if question == "can_list_approvals":
        return policy.can_list_approvals(user, application.round, {application.organisation_id})
    return getattr(policy, question)(user, application)


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("who", list(TABLE))
def test_review_policy_table(project, who, question):
    user = _person(who, project["group"])
    if who in (ASSIGNED, ASSIGNED_MEMBER):
        make_assignment(project["application"], user)
    answer = _ask(question, user, project)
    assert bool(answer) is TABLE[who][QUESTIONS.index(question)]
    if question != "reviewer_may_see" and not answer:
        assert answer.reason  # a refusal always says why


def test_the_table_asks_every_question_in_review_policy():
    asked = {name for name in dir(policy) if name.startswith("can_")} | {"reviewer_may_see"}
    assert asked == set(QUESTIONS)


def test_in_a_blind_round_an_assigned_reviewer_reads_the_proposal_only_in_the_workspace(
        project):
    reviewer = _person(ASSIGNED, project["group"])
    application = project["application"]
    make_assignment(application, reviewer)
    rules.stored_settings(application.round).blind = True
    db.session.commit()
    assert not policy.reviewer_may_see(reviewer, application)  # the pages naming the group
    assert policy.can_score(reviewer, application)             # the workspace hides it
