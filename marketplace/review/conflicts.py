"""Reviewers' conflicts of interest (回避): standing declarations and recusal from an assigned
proposal.

Standing conflicts (回避声明). A reviewer types an organisation's exact name or USCC on
/review/conflicts; `declare_conflict` stores what was typed (`ReviewerConflict.declared_as`)
without looking it up, and answers the same whether or not such an organisation exists, so the
page is no oracle of who is registered or who applied. The declaration is matched whenever it
matters (`excluded_pairs`, `conflicted_assignments`): against an organisation's name or USCC
now, including organisations that register after the declaration. Its effect:

- future assignments: automatic and manual assignment never give the reviewer a project of a
  matching organisation;
- existing assignments, only in rounds still in review and only where the review is not yet
  submitted (a submitted score changes only through the organizer's reopen): in an open
  (non-blind) round they are recused at once; in a blind round nothing visible happens for the
  reviewer, since a vanishing proposal would tell them whose it was. The organizer is told
  instead and sees on the round's page which assignments the declaration touches (submitted
  ones too), and reassigns;
- rounds past review (公示, delivery) are not touched."""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.applications.models import Application
from marketplace.audit.services import record
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import utcnow
from marketplace.core.urls import mail_link
from marketplace.extensions import db
from marketplace.notify.services import queue_mail
from marketplace.organisations.models import Membership, Organisation
from marketplace.organisations.uscc import is_valid_uscc, normalise_uscc
from marketplace.review import policy
from marketplace.review.models import (
    AssignmentStatus,
    ReviewAssignment,
    ReviewerConflict,
    ReviewStatus,
)
from marketplace.review.workflow import ASSIGNMENT, organizers
from marketplace.rounds.models import Round, RoundStatus


def _declared_form(name_or_uscc: str) -> str:
    """What a declaration is stored and matched as: a valid USCC in the form organisations
    store it, anything else as a name is stored (NFKC, trimmed)."""
    text = unicodedata.normalize("NFKC", name_or_uscc or "").strip()
    code = normalise_uscc(text)
    return code if is_valid_uscc(code) else text[:120]


def _matches_declaration(declared_as):
    """SQL condition: the organisation is the one a declaration names (by name or USCC)."""
    return or_(Organisation.name == declared_as, Organisation.uscc == declared_as)


def declare_conflict(reviewer: User, name_or_uscc: str, note: str = "") -> ReviewerConflict:
    """A reviewer declares an organisation they belong to or advise (see the module
    docstring): never assigned its projects again; unsubmitted assignments in rounds under
    review are recused (open rounds) or shown to the organizer (blind rounds)."""
    if not policy.is_reviewer(reviewer):
        raise NotAllowed(_l("只有评审专家可以申报回避。"))
    declared = _declared_form(name_or_uscc)
    if not declared:
        raise NotAllowed(_l("请填写组织名称或统一社会信用代码。"), field="organisation")
    conflict = db.session.scalar(select(ReviewerConflict).where(
        ReviewerConflict.reviewer_id == reviewer.id,
        ReviewerConflict.declared_as == declared))
    if conflict is None:
        conflict = ReviewerConflict(reviewer_id=reviewer.id, declared_as=declared,
                                    note=(note or "").strip()[:200])
        db.session.add(conflict)
        db.session.flush()
        record("review.conflict_declare", conflict, actor=reviewer,
               after={"declared_as": declared})
    _apply_to_assignments(reviewer, conflict)
    return conflict


def _apply_to_assignments(reviewer: User, conflict: ReviewerConflict) -> None:
    touched = db.session.scalars(
        select(ReviewAssignment)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .join(Round, Round.id == ReviewAssignment.round_id)
        .where(ReviewAssignment.reviewer_id == reviewer.id,
               ReviewAssignment.status == AssignmentStatus.ACTIVE,
               Round.status == RoundStatus.REVIEWING,
               _matches_declaration(conflict.declared_as))
        .options(selectinload(ReviewAssignment.review))
        .order_by(ReviewAssignment.id)).all()
    for_organizer: dict[int, list[ReviewAssignment]] = {}
    for assignment in touched:
        submitted = assignment.review is not None and \
            assignment.review.status == ReviewStatus.SUBMITTED
        if submitted or policy.is_blind(assignment.round_id):
            for_organizer.setdefault(assignment.round_id, []).append(assignment)
        else:
            _recuse(reviewer, assignment, _l("申报了与该组织的利益关系"))
    for round_id, assignments in for_organizer.items():
        round_ = db.session.get(Round, round_id)
        link = mail_link("review.manage_round", round_id=round_id)
        groups = {a.application.organisation_id for a in assignments}
        for organizer in organizers(outside=groups):
            queue_mail(organizer.email, "review/conflict", organizer.locale, reviewer=reviewer,
                       round=round_, count=len(assignments),
                       declared_as=conflict.declared_as, link=link)


def withdraw_conflict(reviewer: User, conflict: ReviewerConflict) -> None:
    if conflict.reviewer_id != reviewer.id:
        raise NotAllowed(_l("找不到这条回避声明。"))
    record("review.conflict_withdraw", conflict, actor=reviewer,
           before={"declared_as": conflict.declared_as})
    db.session.delete(conflict)


def excluded_pairs(reviewer_ids: list[int]) -> set[tuple[int, int]]:
    """(reviewer_id, organisation_id): declared conflicts and the reviewers' own groups."""
    pairs = set(db.session.execute(
        select(ReviewerConflict.reviewer_id, Organisation.id)
        .join(Organisation, _matches_declaration(ReviewerConflict.declared_as))
        .where(ReviewerConflict.reviewer_id.in_(reviewer_ids))))
    pairs |= set(db.session.execute(
        select(Membership.user_id, Membership.organisation_id)
        .where(Membership.user_id.in_(reviewer_ids))))
    return pairs


def conflicted_assignments(round_id: int) -> list[tuple[ReviewAssignment, str]]:
    """Active assignments of the round whose reviewer has declared a conflict with the
    applying organisation, with what they declared: the organizer's to resolve."""
    rows = db.session.execute(
        select(ReviewAssignment, ReviewerConflict.declared_as)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .join(ReviewerConflict, and_(ReviewerConflict.reviewer_id == ReviewAssignment.reviewer_id,
                                     _matches_declaration(ReviewerConflict.declared_as)))
        .where(ReviewAssignment.round_id == round_id,
               ReviewAssignment.status == AssignmentStatus.ACTIVE)
        .options(selectinload(ReviewAssignment.reviewer), selectinload(ReviewAssignment.review),
                 selectinload(ReviewAssignment.application))
        .order_by(ReviewAssignment.id, ReviewerConflict.id)).all()
    # A reviewer may have declared the same organisation by name and by USCC: list it once.
    once: dict[int, tuple[ReviewAssignment, str]] = {}
    for assignment, declared in rows:
        once.setdefault(assignment.id, (assignment, declared))
    return list(once.values())


def _recuse(actor: User, assignment: ReviewAssignment, note: str) -> None:
    assignment.recused_at = utcnow()
    assignment.recusal_note = str(note)
    ASSIGNMENT.move(actor, assignment, AssignmentStatus.RECUSED,
                    audit={"application_id": assignment.application_id})


def recuse(actor: User, assignment: ReviewAssignment, note: str) -> None:
    """The reviewer declares a conflict on an assigned proposal: recused, organizers told."""
    if assignment.reviewer_id != actor.id or assignment.status != AssignmentStatus.ACTIVE:
        raise NotAllowed(_l("你没有被分配评审这个项目。"))
    if assignment.review is not None and assignment.review.status == ReviewStatus.SUBMITTED:
        raise NotAllowed(_l("评分已提交；如需回避，请联系团市委工作人员。"))
    note = (note or "").strip()
    if not note:
        raise NotAllowed(_l("请说明需要回避的原因。"), field="note")
    _recuse(actor, assignment, note)
