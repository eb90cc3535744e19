"""Lists of applications: the organizer's list of a round (filters, sort, first-time groups),
its counts by status and its export. (What a member's groups still have to do is on their
to-do list, todo.py.)"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from marketplace.applications import policy
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.applications.proposal import clean_text
from marketplace.applications.services import organisation_as_submitted
from marketplace.core.timeutil import to_local
from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from marketplace.rounds.models import Round


@dataclass
class ListFilters:
    status: str = ""
    category: str = ""
    region: str = ""
    challenge_id: int | None = None
    pool_id: int | None = None
    first_time: bool = False
    q: str = ""
    sort: str = "submitted"   # submitted | -submitted | amount | -amount | title | -title


SORTS = {
    "submitted": Application.submitted_at, "amount": Application.requested_fen,
    "title": Application.title,
}


def earlier_awardees(round_: Round):
    """USCCs with an application awarded (立项) in an earlier round, as a subquery. An
    organisation is known by its USCC, as in the round statistics, so "first-time" means the
    same in both places (an application is awarded exactly when its award is)."""
    earlier = select(Round.id).where(
        (Round.year < round_.year) | and_(Round.year == round_.year, Round.id < round_.id))
    return (select(Organisation.uscc)
            .join(Application, Application.organisation_id == Organisation.id)
            .where(Application.status == ApplicationStatus.AWARDED,
                   Application.round_id.in_(earlier)))


def round_applications(user, round_: Round, filters: ListFilters):
    """The organizer's list: the round's applications submitted at least once (never a draft
    that was not, not even the organizer's own group's; one taken back shows as a draft),
    filtered and sorted."""
    stmt = (policy.visible_applications(user)
            .join(Organisation, Organisation.id == Application.organisation_id)
            .where(Application.round_id == round_.id, policy.was_submitted_clause()))
    if filters.status in {s.value for s in ApplicationStatus}:
        stmt = stmt.where(Application.status == ApplicationStatus(filters.status))
    if filters.category:
        stmt = stmt.where(Application.category == filters.category)
    if filters.region:
        stmt = stmt.where(Application.region == filters.region)
    if filters.challenge_id == 0:
        stmt = stmt.where(Application.challenge_id.is_(None))
    elif filters.challenge_id:
        stmt = stmt.where(Application.challenge_id == filters.challenge_id)
    if filters.pool_id:
        stmt = stmt.where(Application.pool_id == filters.pool_id)
    if filters.first_time:
        stmt = stmt.where(Organisation.uscc.not_in(earlier_awardees(round_)))
    q = clean_text(filters.q)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(Application.title.ilike(like) | Organisation.name.ilike(like))
    key = filters.sort.lstrip("-")
    column = SORTS.get(key, Application.submitted_at)
    order = column.desc() if filters.sort.startswith("-") else column.asc()
    return stmt.order_by(order, Application.id)


def status_counts(user, round_: Round) -> dict[ApplicationStatus, int]:
    """The organizer's counts: how many of the round's submitted applications are in each
    status (one GROUP BY), in lifecycle order; statuses without any are left out. Drafts never
    submitted belong to their groups and are not counted (one taken back counts as a draft)."""
    stmt = (policy.visible_applications(user)
            .where(Application.round_id == round_.id, policy.was_submitted_clause())
            .with_only_columns(Application.status, func.count())
            .group_by(Application.status))
    counts = dict(db.session.execute(stmt).all())
    return {s: counts[s] for s in ApplicationStatus if counts.get(s)}


def first_time_ids(round_: Round, organisation_ids) -> set[int]:
    """Which of these organisations have never been funded in an earlier round (by USCC)."""
    ids = set(organisation_ids)
    if not ids:
        return set()
    usccs = dict(db.session.execute(
        select(Organisation.id, Organisation.uscc).where(Organisation.id.in_(ids))).all())
    funded = set(db.session.scalars(earlier_awardees(round_).where(
        Organisation.uscc.in_(set(usccs.values())))))
    return {org_id for org_id, uscc in usccs.items() if uscc not in funded}


# The CSV/XLSX export of the organizer's list.
EXPORT_HEADER = [_l("编号"), _l("项目名称"), _l("申报组织"), _l("统一社会信用代码"),
                 _l("组织类型"), _l("组织所在县区"), _l("项目类别"), _l("实施县区"), _l("命题"),
                 _l("资金池"), _l("状态"), _l("申请金额（元）"), _l("提交时间"), _l("首次获资助")]


def export_rows(round_: Round, applications: list[Application]):
    first_time = first_time_ids(round_, {a.organisation_id for a in applications})
    for a in applications:
        org = organisation_as_submitted(a)
        yield [a.id, a.title, org.get("name"), org.get("uscc"), str(org.get("org_type_label", "")),
               org.get("region"), a.category, a.region, a.challenge.title if a.challenge else "",
               a.pool.name if a.pool else "", a.status.label, a.requested,
               to_local(a.submitted_at).strftime("%Y-%m-%d %H:%M") if a.submitted_at else "",
               _("是") if a.organisation_id in first_time else _("否")]
