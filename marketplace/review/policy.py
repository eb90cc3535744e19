"""Who may do what in review, decisions and 公示 (see CONVENTIONS.md, "One way to ask")."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.roles import is_organizer, is_reviewer, is_signed_in
from marketplace.applications import policy as applications_policy
from marketplace.core.policy import ALLOW, Decision, deny
from marketplace.extensions import db
from marketplace.organisations.models import Membership
from marketplace.review.models import AssignmentStatus, ReviewAssignment, RoundReviewSettings


def member_organisation_ids(user) -> set[int]:
    if not is_signed_in(user):
        return set()
    return set(db.session.scalars(
        select(Membership.organisation_id).where(Membership.user_id == user.id)))


def active_assignment(user, application):
    """The user's active (not recused, not removed) assignment on the application, or None."""
    if not is_reviewer(user) or application is None:
        return None
    return db.session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application.id,
        ReviewAssignment.reviewer_id == user.id,
        ReviewAssignment.status == AssignmentStatus.ACTIVE))


@applications_policy.viewer
def reviewer_may_see(user, application) -> bool:
    """An assigned, non-recused reviewer may see the proposal and its attachments on the
    applications domain's pages (its policy asks this; everyone else answers 404 there).

    In a blind round the answer is no: those pages show who applied, so the reviewer reads
    the proposal only in the review workspace (review.proposal), which hides the identity.
    """
    if active_assignment(user, application) is None:
        return False
    return not is_blind(application.round_id)


def is_blind(round_id: int) -> bool:
    settings = db.session.get(RoundReviewSettings, round_id)
    return bool(settings and settings.blind)


def can_manage_review(user, round_) -> Decision:
    """Rubric, settings, assignment, ranking and decisions: league staff (organizers, admins
    included)."""
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以管理评审。"))
    return ALLOW


# --- staff actions on one project ---------------------------------------------------------
# Nobody reviews, decides on or pays their own organisation's project (DESIGN.md "People").
# For league staff that means every action on a project of a group they belong to: the
# decision, the answer to an objection against it, reopening its reviews, choosing or removing
# its reviewers. Each question below is asked by the page and again by the service.

def _staff_on(user, organisation_id: int | None, own_group_reason) -> Decision:
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以处理评审和立项。"))
    if organisation_id is not None and organisation_id in member_organisation_ids(user):
        return deny(own_group_reason)
    return ALLOW


def can_decide(user, application) -> Decision:
    """Approve, reject, waitlist: an organizer who is not a member of the applicant group."""
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以作出立项决定。"))
    return _staff_on(user, application.organisation_id,
                     _l("不能对自己所在组织的项目作出决定。"))


def can_assign_reviewers(user, application) -> Decision:
    """Hand-pick, remove or automatically assign the project's reviewers."""
    return _staff_on(user, application.organisation_id,
                     _l("不能为自己所在组织的项目安排或撤换评审专家。"))


def can_reopen_review(user, review) -> Decision:
    return _staff_on(user, review.assignment.application.organisation_id,
                     _l("不能重新开放自己所在组织项目的评分。"))


def can_see_review_details(user, application) -> Decision:
    """The project's decision page: who reviewed it, their scores and comments. A member of
    the applying group could otherwise see, and lean on, the reviewers of their own project."""
    return _staff_on(user, application.organisation_id,
                     _l("不能查看自己所在组织项目的评审详情。"))


def can_answer_objection(user, objection) -> Decision:
    """Dismiss or uphold; members of the group objected to also do not see who objected."""
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以答复异议。"))
    organisation_id = objection.application.organisation_id if objection.application else None
    return _staff_on(user, organisation_id, _l("不能答复针对自己所在组织项目的异议。"))


def can_list_approvals(user, round_, organisation_ids: set[int]) -> Decision:
    """Publish the 公示 or finalise it (立项 of every approval at once): not by a member of a
    group whose project is among the approvals (`organisation_ids`)."""
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以管理评审。"))
    if organisation_ids & member_organisation_ids(user):
        return deny(_l("拟立项名单中有你所在组织的项目，请由其他工作人员办理。"))
    return ALLOW


def can_score(user, application) -> Decision:
    if active_assignment(user, application) is None:
        return deny(_l("你没有被分配评审这个项目。"))
    if application.organisation_id in member_organisation_ids(user):
        return deny(_l("不能评审自己所在组织的项目。"))
    return ALLOW
