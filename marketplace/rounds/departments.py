"""Partner departments (命题方 / 联合单位): organizers create them and name their contacts
(existing accounts, by e-mail); a contact drafts challenges for a round, which an organizer
publishes as challenges of the round (with a pool: the money stays the organizer's); a contact
follows the bids and results of the department's challenges read-only.

A contact holds the role `department` (accounts.roles.is_department_contact) by being named
here. As reviewers they are assigned the usual way (the reviewer role): the review domain's
conflict rules (回避) are about the reviewer and the organisation, whoever the reviewer is.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts.roles import department_contact_check, is_signed_in
from marketplace.accounts.services import find_user_by_email
from marketplace.audit.services import record, snapshot
from marketplace.core.money import to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.core.workflow import Transition, Workflow
from marketplace.extensions import db
from marketplace.rounds import challenges, contributions, policy
from marketplace.rounds.models import (
    Challenge,
    ChallengeDraft,
    ChallengeDraftStatus,
    Department,
    DepartmentContact,
    Round,
)

DRAFT_FIELDS = ["department_id", "round_id", "title", "background", "expected_outcomes",
                "indicators", "cap_per_team_fen", "slots"]
NAME_LENGTH = Department.name.property.columns[0].type.length


@department_contact_check
def _is_contact(user) -> bool:
    return is_signed_in(user) and db.session.scalar(
        select(DepartmentContact.id).where(DepartmentContact.user_id == user.id).limit(1)
    ) is not None


D = ChallengeDraftStatus
CHALLENGE_DRAFT = Workflow("challenge_draft", ChallengeDraftStatus, initial={D.DRAFT},
                           final={D.PUBLISHED})
CHALLENGE_DRAFT.add(
    Transition(D.DRAFT, D.PUBLISHED, "challenge_draft.publish", policy.can_publish_draft,
               label=_l("发布为命题"), endpoint="rounds.publish_draft",
               confirm=_l("发布后将为该命题新建资金池，草稿不能再修改，确定发布吗？")),
)

contributions.in_use_while_referenced(
    "challenge", ChallengeDraft.challenge_id,
    lambda n: _l("这个命题由部门草稿发布而来，不能删除。"))


# --- departments and their contacts ------------------------------------------------------

def create_department(actor, name: str) -> Department:
    require(policy.can_manage_departments(actor))
    name = (name or "").strip()
    if not name:
        raise NotAllowed(_l("请填写部门名称。"), field="name")
    if len(name) > NAME_LENGTH:
        raise NotAllowed(_l("部门名称不能超过 %(n)d 个字。", n=NAME_LENGTH), field="name")
    if db.session.scalar(select(Department.id).where(Department.name == name)) is not None:
        raise NotAllowed(_l("已有名为“%(name)s”的部门。", name=name), field="name")
    department = Department(name=name, created_by_id=actor.id)
    db.session.add(department)
    db.session.flush()
    record("department.create", department, actor=actor, after={"name": name})
    return department


def add_contact(actor, department: Department, email: str) -> DepartmentContact:
    """Name an existing account as the department's contact (they must have signed up)."""
    require(policy.can_manage_departments(actor))
    user = find_user_by_email(email or "")
    if user is None:
        raise NotAllowed(_l("没有使用该邮箱的账号，请先请对方注册。"), field="email")
    if db.session.scalar(select(DepartmentContact.id).where(
            DepartmentContact.department_id == department.id,
            DepartmentContact.user_id == user.id)) is not None:
        raise NotAllowed(_l("%(name)s 已经是该部门的联系人。", name=user.name), field="email")
    contact = DepartmentContact(department=department, user_id=user.id, added_by_id=actor.id)
    db.session.add(contact)
    db.session.flush()
    record("department.add_contact", department, actor=actor,
           after={"user_id": user.id, "email": user.email})
    return contact


def remove_contact(actor, contact: DepartmentContact) -> None:
    require(policy.can_manage_departments(actor))
    department = contact.department
    record("department.remove_contact", department, actor=actor,
           before={"user_id": contact.user_id})
    db.session.delete(contact)
    db.session.flush()


def departments_of(user) -> list[Department]:
    ids = policy.department_ids_of(user)
    if not ids:
        return []
    return list(db.session.scalars(select(Department).where(Department.id.in_(ids))
                                   .order_by(Department.name)))


# --- drafts ----------------------------------------------------------------------------------

@dataclass
class DraftData:
    department_id: int
    round_id: int
    title: str
    cap_per_team: Decimal
    slots: int = 1
    background: str = ""
    expected_outcomes: str = ""
    indicators: str = ""


def _check_draft(data: DraftData) -> tuple[Department, Round]:
    department = db.session.get(Department, data.department_id)
    round_ = db.session.get(Round, data.round_id)
    if department is None:
        raise NotAllowed(_l("请选择命题部门。"), field="department_id")
    if round_ is None:
        raise NotAllowed(_l("请选择创投集市。"), field="round_id")
    if not (data.title or "").strip():
        raise NotAllowed(_l("请填写命题名称。"), field="title")
    if len(data.title.strip()) > challenges.CHALLENGE_TITLE_LENGTH:
        raise NotAllowed(_l("命题名称不能超过 %(n)d 个字。", n=challenges.CHALLENGE_TITLE_LENGTH),
                         field="title")
    if data.cap_per_team is None or data.cap_per_team <= 0:
        raise NotAllowed(_l("每队资助上限应大于 0。"), field="cap_per_team")
    if not data.slots or data.slots < 1:
        raise NotAllowed(_l("揭榜队伍数至少为 1。"), field="slots")
    return department, round_


def _apply(draft: ChallengeDraft, data: DraftData) -> None:
    draft.department_id = data.department_id
    draft.round_id = data.round_id
    draft.title = data.title.strip()
    draft.background = data.background or ""
    draft.expected_outcomes = data.expected_outcomes or ""
    draft.indicators = data.indicators or ""
    draft.cap_per_team_fen = to_fen(data.cap_per_team)
    draft.slots = data.slots


def create_draft(actor, data: DraftData) -> ChallengeDraft:
    department, round_ = _check_draft(data)
    require(policy.can_draft_challenge(actor, department, round_))
    draft = ChallengeDraft(drafted_by_id=actor.id, status=ChallengeDraftStatus.DRAFT)
    _apply(draft, data)
    db.session.add(draft)
    db.session.flush()
    record("challenge_draft.create", draft, actor=actor, after=snapshot(draft, DRAFT_FIELDS))
    return draft


def update_draft(actor, draft: ChallengeDraft, data: DraftData) -> ChallengeDraft:
    require(policy.can_edit_draft(actor, draft))
    department, round_ = _check_draft(data)
    require(policy.can_draft_challenge(actor, department, round_))
    before = snapshot(draft, DRAFT_FIELDS)
    _apply(draft, data)
    db.session.flush()
    record("challenge_draft.update", draft, actor=actor, before=before,
           after=snapshot(draft, DRAFT_FIELDS))
    return draft


def publish_draft(actor, draft: ChallengeDraft) -> Challenge:
    """The organizer makes the draft a challenge of its round, naming the department as its
    命题方, with a new pool of cap × slots (published at once if the round is open)."""
    require(policy.can_publish_draft(actor, draft))
    challenge = challenges.create_challenge(actor, draft.round, challenges.ChallengeData(
        title=draft.title, cap_per_team=draft.cap_per_team, slots=draft.slots,
        background=draft.background, expected_outcomes=draft.expected_outcomes,
        indicators=draft.indicators, department_id=draft.department_id))
    db.session.flush()
    draft.challenge_id = challenge.id
    CHALLENGE_DRAFT.move(actor, draft, ChallengeDraftStatus.PUBLISHED,
                         audit={"challenge_id": challenge.id})
    db.session.flush()
    return challenge


# --- following the department's challenges (read-only) ------------------------------------

@dataclass
class ChallengeResult:
    """What a department sees of one of its challenges: bids, and after 公示 the awards."""
    bids: int = 0
    awards: list[tuple[str, Decimal]] | None = None   # (organisation, amount); None: not yet


_results: list[Callable[[list[Challenge]], dict[int, ChallengeResult]]] = []


def results_source(source: Callable[[list[Challenge]], dict[int, ChallengeResult]]):
    """A higher domain (applications, funds) registers how to count a challenge's bids and
    list its awards: `source(challenges) -> {challenge_id: ChallengeResult}`."""
    _results[:] = [source]
    return source


def challenge_results(items: list[Challenge]) -> dict[int, ChallengeResult]:
    if not _results or not items:
        return {c.id: ChallengeResult() for c in items}
    found = _results[0](items)
    return {c.id: found.get(c.id, ChallengeResult()) for c in items}


def department_challenges(department: Department) -> list[Challenge]:
    return list(db.session.scalars(
        select(Challenge).where(Challenge.department_id == department.id)
        .order_by(Challenge.round_id.desc(), Challenge.id)))


def department_drafts(department: Department) -> list[ChallengeDraft]:
    return list(db.session.scalars(
        select(ChallengeDraft).where(ChallengeDraft.department_id == department.id)
        .order_by(ChallengeDraft.id.desc())))


def waiting_drafts() -> list[ChallengeDraft]:
    return list(db.session.scalars(
        select(ChallengeDraft).where(ChallengeDraft.status == ChallengeDraftStatus.DRAFT)
        .order_by(ChallengeDraft.id)))


def contact_counts() -> dict[int, int]:
    return dict(db.session.execute(
        select(DepartmentContact.department_id, func.count(DepartmentContact.id))
        .group_by(DepartmentContact.department_id)).all())
