"""Who may do what with rounds, pools and challenges, and who a challenge admits."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from marketplace.accounts.roles import is_organizer
from marketplace.core.policy import ALLOW, Decision, deny
from marketplace.core.timeutil import format_local
from marketplace.extensions import db
from marketplace.organisations.models import ORGANISATION_TYPE_LABELS, OrganisationType
from marketplace.organisations.policy import can_edit as can_edit_organisation
from marketplace.organisations.policy import eligibility_region, membership_of
from marketplace.rounds.models import (
    Challenge,
    ChallengeDraft,
    ChallengeDraftStatus,
    ChallengeInvitation,
    Department,
    DepartmentContact,
    InvitationAnswer,
    MatchingPreference,
    Round,
    RoundStatus,
)

# A round's settings, pools and challenges may change until review starts.
EDITABLE = (RoundStatus.DRAFT, RoundStatus.OPEN)


def can_manage_rounds(user) -> Decision:
    if is_organizer(user):
        return ALLOW
    return deny(_l("只有团市委工作人员可以管理创投集市。"))


def can_view_round(user, round_: Round) -> Decision:
    """Published rounds are public; drafts only for organizers."""
    if round_.status != RoundStatus.DRAFT or is_organizer(user):
        return ALLOW
    return deny(_l("找不到该创投集市。"))


def can_view_challenge(user, challenge: Challenge) -> Decision:
    return can_view_round(user, challenge.round)


def can_edit_round(user, round_: Round) -> Decision:
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以管理创投集市。"))
    if round_.status not in EDITABLE:
        return deny(_l("评审开始后不能再修改创投集市的设置。"))
    return ALLOW


def can_delete_from_round(user, round_: Round) -> Decision:
    """Deleting a pool or a challenge made by mistake: only before the round is published.
    Once it is open, groups have read its pools and challenges and may be writing to them; from
    review on they are what the decisions and the 公示 stand on."""
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以管理创投集市。"))
    if round_.status != RoundStatus.DRAFT:
        return deny(_l("创投集市发布后不能再删除资金池或命题。"))
    return ALLOW


def can_edit_publicity_details(user, round_: Round) -> Decision:
    """The 公示's document number and supervision phone: until the 公示 ends (立项)."""
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以管理创投集市。"))
    if round_.imported or round_.status in (RoundStatus.DELIVERY, RoundStatus.CLOSED):
        return deny(_l("公示已结束，不能再修改公示信息。"))
    return ALLOW


def can_publish(user, round_: Round) -> Decision:
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以发布创投集市。"))
    if round_.status != RoundStatus.DRAFT:
        return deny(_l("只有草稿状态的创投集市可以发布。"))
    return ALLOW


def can_extend_deadline(user, round_: Round) -> Decision:
    """延长申报截止时间: a distinct, audited action while the round takes applications (or
    did until its deadline passed), the only way to move a deadline that has passed."""
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以延长申报截止时间。"))
    if round_.status != RoundStatus.OPEN or round_.deadline_at is None:
        return deny(_l("只有已发布、尚未开始评审的创投集市可以延长申报截止时间。"))
    return ALLOW


def can_close_intake(user, round_: Round, now: datetime) -> Decision:
    """截止申报: close the call now instead of waiting for the deadline (a round whose
    applications are all in, or one that must start review early)."""
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以截止申报。"))
    if round_.status != RoundStatus.OPEN or round_.deadline_at is None:
        return deny(_l("只有征集中的创投集市可以截止申报。"))
    if round_.deadline_at <= now:
        return deny(_l("申报已于 %(at)s 截止。", at=format_local(round_.deadline_at)))
    return ALLOW


def can_invite(user, challenge: Challenge, now: datetime) -> Decision:
    """派单 makes sense only while the round takes bids."""
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以派单。"))
    if not challenge.round.accepts_applications_at(now):
        return deny(_l("创投集市未在征集期内，不能派单。"))
    return ALLOW


def can_invite_organisation(user, organisation) -> Decision:
    """派单 to a group is a staff action on that group: not by one of its own members."""
    if membership_of(user, organisation) is not None:
        return deny(_l("不能向自己所在的组织“%(name)s”派单。", name=organisation.name))
    return ALLOW


def can_answer_invitation(user, invitation: ChallengeInvitation, now: datetime) -> Decision:
    if membership_of(user, invitation.organisation) is None:
        return deny(_l("找不到该邀请。"))
    if invitation.status != InvitationAnswer.PENDING:
        return deny(_l("这份邀请已经答复过了。"))
    if not invitation.challenge.round.accepts_applications_at(now):
        return deny(_l("申报已截止，不能再答复这份邀请。"))
    return ALLOW


def can_view_invitation(user, invitation: ChallengeInvitation) -> Decision:
    if is_organizer(user) or membership_of(user, invitation.organisation) is not None:
        return ALLOW
    return deny(_l("找不到该邀请。"))


def can_set_preferences(user, organisation) -> Decision:
    if can_edit_organisation(user, organisation):
        return ALLOW
    return deny(_l("只有组织负责人可以设置对接偏好。"))


def challenge_admits(challenge: Challenge, organisation) -> Decision:
    """Whether the organisation may bid on the challenge (region and type rules). The
    county is the one staff verified (organisations.policy.eligibility_region)."""
    region = eligibility_region(organisation)
    regions = challenge.eligible_regions or []
    separator = str(_l("、"))  # a list reads "a、b" in Chinese, "a, b" in English
    if regions and region is None:
        return deny(_l("本命题仅限 %(regions)s 的组织揭榜，你的组织所在县区尚未通过认证。",
                       regions=separator.join(regions)))
    if regions and region not in regions:
        return deny(_l("本命题仅限 %(regions)s 的组织揭榜，你的组织在 %(region)s。",
                       regions=separator.join(regions), region=region))
    types = challenge.eligible_org_types or []
    if types and organisation.org_type.value not in types:
        labels = separator.join(str(ORGANISATION_TYPE_LABELS[OrganisationType(t)])
                                for t in types)
        return deny(_l("本命题仅限 %(types)s 揭榜，你的组织是 %(type)s。",
                       types=labels, type=organisation.org_type.label))
    pool = challenge.pool
    if pool is not None and not pool.admits_region(region):
        return deny(_l("本命题的资金池仅面向 %(regions)s 的组织。",
                       regions=separator.join(pool.regions or [])))
    return ALLOW


def matches_round(preference: MatchingPreference | None, round_: Round) -> bool:
    """Any preferred category among the round's, or no category preference at all."""
    categories = (preference.categories if preference else None) or []
    return not categories or bool(set(categories) & set(round_.categories or []))


def matches_challenge(preference: MatchingPreference | None, challenge: Challenge,
                      organisation) -> bool:
    """Eligible for the challenge, and (when the organisation named regions and the challenge
    is limited to regions) at least one region in common."""
    if not challenge_admits(challenge, organisation):
        return False
    wanted = (preference.regions if preference else None) or []
    limited = challenge.eligible_regions or []
    return not wanted or not limited or bool(set(wanted) & set(limited))


def visible_rounds(user) -> Select:
    stmt = select(Round)
    if is_organizer(user):
        return stmt
    return stmt.where(Round.status != RoundStatus.DRAFT)


# --- partner departments (命题方) ---------------------------------------------------------

def department_ids_of(user) -> set[int]:
    """The departments this user is a contact of (none for anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(select(DepartmentContact.department_id)
                                  .where(DepartmentContact.user_id == user.id)))


def can_manage_departments(user) -> Decision:
    if is_organizer(user):
        return ALLOW
    return deny(_l("只有团市委工作人员可以管理命题部门。"))


def can_view_department(user, department: Department) -> Decision:
    """Organizers see every department; a contact sees their own, nobody else any."""
    if is_organizer(user) or department.id in department_ids_of(user):
        return ALLOW
    return deny(_l("找不到该部门。"))


def draftable_rounds(user) -> Select:
    """The rounds a department contact may propose a challenge for: those still taking
    challenges (draft or open)."""
    return select(Round).where(Round.status.in_(EDITABLE), Round.imported.is_(False))


def can_draft_challenge(user, department: Department, round_: Round) -> Decision:
    """A contact drafts for their own department, for a round still taking challenges."""
    if department.id not in department_ids_of(user):
        return deny(_l("只有该部门的联系人可以起草命题。"))
    if round_.status not in EDITABLE or round_.imported:
        return deny(_l("评审开始后不能再起草命题。"))
    return ALLOW


def can_view_draft(user, draft: ChallengeDraft) -> Decision:
    if is_organizer(user) or draft.department_id in department_ids_of(user):
        return ALLOW
    return deny(_l("找不到该命题草稿。"))


def can_edit_draft(user, draft: ChallengeDraft) -> Decision:
    if draft.department_id not in department_ids_of(user):
        return deny(_l("只有该部门的联系人可以修改命题草稿。"))
    if draft.status != ChallengeDraftStatus.DRAFT:
        return deny(_l("命题已发布，不能再修改草稿。"))
    if draft.round.status not in EDITABLE:
        return deny(_l("评审开始后不能再修改命题草稿。"))
    return ALLOW


def can_publish_draft(user, draft: ChallengeDraft, **context) -> Decision:
    """Publishing puts money (a pool) behind the challenge: organizers only."""
    if not is_organizer(user):
        return deny(_l("只有团市委工作人员可以发布命题。"))
    if draft.status != ChallengeDraftStatus.DRAFT:
        return deny(_l("这份命题草稿已经发布过了。"))
    return can_edit_round(user, draft.round)
