"""Who may see and change an application (申报书), and when.

Members of the applying organisation edit, submit and withdraw; reviewers see the ones
assigned to them (decided by the review domain, through `viewer`). Timing rules use server
time (UTC) against the round's deadline, whatever the client sends.

A draft belongs to its group until it is submitted. Organizers and admins (staff) see every
application that was submitted at least once — including one returned for changes, taken
back to draft by its group (shown as a draft) or withdrawn after submission — but not a draft
never submitted, nor one withdrawn before it was ever submitted: for them such an
application, its attachments and its place in lists, counts and exports do not exist (404).
Staff who are members of the applying group see it as members.

Staff act on applications (return for changes) only when they are not members of the
applying group: nobody handles their own organisation's proposal.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, or_, select

from marketplace.accounts.roles import is_signed_in, is_staff
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.policy import ALLOW, Decision, deny
from marketplace.core.timeutil import utcnow
from marketplace.organisations.models import Membership
from marketplace.organisations.policy import membership_of
from marketplace.rounds.models import Round, RoundStatus

# Members may change the proposal only in these states.
EDITABLE = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.RETURNED})
SUBMITTABLE = EDITABLE
WITHDRAWABLE = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED,
                          ApplicationStatus.RETURNED})

NOT_FOUND = _l("找不到该申报书。")


def is_member(user, application: Application) -> bool:
    return membership_of(user, application.organisation) is not None


# Who else may open an application, as a higher domain decides (review: a reviewer assigned
# to it): checks (user, application) -> bool that the domain registers with `viewer`.
_VIEWERS: dict[str, Callable[[object, Application], bool]] = {}


def viewer(check: Callable[[object, Application], bool]):
    """Decorator: `check(user, application)` lets a user who is neither member nor staff
    open the application (its page and attachments)."""
    _VIEWERS[f"{check.__module__}.{check.__qualname__}"] = check
    return check


def is_viewer(user, application: Application) -> bool:
    return any(check(user, application) for check in _VIEWERS.values())


def before_deadline(round_: Round, now: datetime | None = None) -> bool:
    """The round is open and its deadline has not passed (the deadline second itself counts)."""
    now = now or utcnow()
    return (round_.status == RoundStatus.OPEN and round_.deadline_at is not None
            and now <= round_.deadline_at)


def _deadline_passed() -> Decision:
    return deny(_l("本轮申报已截止或未开放，申报书不能再修改。"))


# A draft is a draft or a withdrawn draft; every other status was handed in (imported
# history has no submission time but was never a draft either).
NEVER_HANDED_IN = (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)


def was_submitted(application: Application) -> bool:
    """Handed in at least once: it has a submission time, or a status only a submission
    reaches. A draft never submitted was not, nor one withdrawn before submission; a draft
    the group took back after submitting it was (it keeps its submission time), so staff
    keep seeing it, as they see a returned one."""
    return application.submitted_at is not None \
        or application.status not in NEVER_HANDED_IN


def was_submitted_clause() -> ColumnElement[bool]:
    """was_submitted() as a WHERE clause."""
    return or_(Application.submitted_at.is_not(None),
               Application.status.not_in(NEVER_HANDED_IN))


def can_view(user, application: Application) -> Decision:
    if not is_signed_in(user):
        return deny(NOT_FOUND)
    if is_member(user, application):
        return ALLOW
    if is_staff(user) and was_submitted(application):
        return ALLOW
    if is_viewer(user, application):
        return ALLOW
    return deny(NOT_FOUND)


def can_start(user, organisation, round_: Round, now: datetime | None = None) -> Decision:
    """May this user start a draft for `organisation` in `round_`?"""
    if membership_of(user, organisation) is None:
        return deny(_l("你不是该组织的成员。"))
    if not organisation.is_verified:
        return deny(_l("组织“%(name)s”尚未通过认证，认证后才能申报。", name=organisation.name))
    if not before_deadline(round_, now):
        return deny(_l("本轮创投集市不在申报期内。"))
    return ALLOW


def can_edit(user, application: Application, now: datetime | None = None) -> Decision:
    if not is_member(user, application):
        return deny(_l("只有申报组织的成员可以修改申报书。"))
    if application.status not in EDITABLE:
        return deny(_l("申报书已提交，不能修改；如需修改请先撤回，或等待退回。"))
    if not before_deadline(application.round, now):
        return _deadline_passed()
    return ALLOW


def can_submit(user, application: Application, now: datetime | None = None) -> Decision:
    """Who and which state; the content and round rules are listed by
    services.submission_problems, one message each."""
    if not is_member(user, application):
        return deny(_l("只有申报组织的成员可以提交申报书。"))
    if application.status not in SUBMITTABLE:
        return deny(_l("这份申报书当前状态不能提交。"))
    return ALLOW


def can_withdraw(user, application: Application, now: datetime | None = None) -> Decision:
    if not is_member(user, application):
        return deny(_l("只有申报组织的成员可以撤回申报书。"))
    if application.status not in WITHDRAWABLE:
        return deny(_l("这份申报书当前状态不能撤回。"))
    if not before_deadline(application.round, now):
        return deny(_l("申报已截止，不能再撤回。"))
    return ALLOW


def can_take_back(user, application: Application, now: datetime | None = None) -> Decision:
    """取回修改: a submitted application back to draft, by its group, before the deadline
    (after it, nothing could be submitted again)."""
    if not is_member(user, application):
        return deny(_l("只有申报组织的成员可以取回申报书。"))
    if application.status != ApplicationStatus.SUBMITTED:
        return deny(_l("只有已提交、尚未进入评审的申报书可以取回修改。"))
    if not before_deadline(application.round, now):
        return deny(_l("申报已截止，不能再取回修改。"))
    return ALLOW


def can_copy(user, application: Application) -> Decision:
    """Start a new draft as a copy: members of the applying group (the round is checked by
    can_start, when the draft is started)."""
    if not is_member(user, application):
        return deny(NOT_FOUND)
    return ALLOW


def can_return(user, application: Application, now: datetime | None = None) -> Decision:
    if not is_staff(user):
        return deny(_l("只有团市委工作人员可以退回申报书。"))
    if is_member(user, application):
        return deny(_l("不能处理自己所在组织的申报书。"))
    if application.status != ApplicationStatus.SUBMITTED:
        return deny(_l("只有已提交的申报书可以退回修改。"))
    if not before_deadline(application.round, now):
        return deny(_l("申报已截止，不能再退回修改。"))
    return ALLOW


# The organizer may move an application to another pool until money is committed for it
# (an approval commits from one pool: withdraw the decision first).
POOL_MOVABLE = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED,
                          ApplicationStatus.IN_REVIEW, ApplicationStatus.WAITLISTED,
                          ApplicationStatus.REJECTED})


def can_move_pool(user, application: Application) -> Decision:
    if not is_staff(user):
        return deny(_l("只有团市委工作人员可以调整申报书的资金池。"))
    if is_member(user, application):
        return deny(_l("不能处理自己所在组织的申报书。"))
    if application.status not in POOL_MOVABLE:
        return deny(_l("这份申报书当前状态为“%(status)s”，不能调整资金池；"
                       "已作出立项决定的，请先撤销决定。", status=application.status.label))
    if application.round.status not in (RoundStatus.OPEN, RoundStatus.REVIEWING,
                                        RoundStatus.PUBLICITY):
        return deny(_l("本轮已确认立项，不能再调整资金池。"))
    return ALLOW


def can_manage_round_list(user) -> Decision:
    """The organizer's list of a round's applications and its exports."""
    return ALLOW if is_staff(user) else deny(NOT_FOUND)


def visible_applications(user) -> Select:
    """Applications this user may see, as a query to filter further.

    Members see their organisations'; staff also every application submitted at least once
    (not other groups' drafts). Reviewers open assigned applications through the review
    domain's own lists (can_view lets them in one by one).
    """
    stmt = select(Application)
    if not is_signed_in(user):
        return stmt.where(False)
    member_orgs = select(Membership.organisation_id).where(Membership.user_id == user.id)
    own = Application.organisation_id.in_(member_orgs)
    if is_staff(user):
        return stmt.where(or_(own, was_submitted_clause()))
    return stmt.where(own)
