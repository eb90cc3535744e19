"""The application factory: a complete proposal, brought to the status a test asks for along
the application's lifecycle table (APPLICATION), never by setting the column."""
from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from marketplace.applications.models import (
    Application,
    ApplicationStatus,
    Attachment,
    BudgetLine,
    PlanRow,
    TeamMember,
)
from marketplace.applications.proposal import (
    PROPOSAL_FIELDS,
    ApplicationData,
    BudgetLineData,
    line_amount,
)
from marketplace.applications.routing import routed_pool
from marketplace.applications.services import build_snapshot
from marketplace.applications.workflow import APPLICATION
from marketplace.core.money import to_fen
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.rounds.models import BudgetCategory, RoundStatus
from tests.factories.accounts import make_organisation, make_user
from tests.factories.review import make_review_round
from tests.factories.rounds import shortest_path

__all__ = ["application_data", "make_application", "path_to"]

S = ApplicationStatus
DEFAULT_LINES = [("活动物资", BudgetCategory.MATERIALS, "10", "150.00"),
                 ("宣传海报", BudgetCategory.PUBLICITY, "2", "250.00")]
# The moves a member of the applying group makes; the others are staff's.
MEMBER_MOVES = {"application.submit", "application.withdraw"}
_seq = itertools.count(1)


def application_data(lines=DEFAULT_LINES, **overrides) -> ApplicationData:
    """Form data for a complete proposal; `lines` are (item, category, quantity, unit price)."""
    fields = dict(title="海岛老人陪伴计划", category="关爱帮扶",
                  summary="为海岛独居老人提供陪伴服务。", objectives="每月探访两次。",
                  target_group="独居老人", beneficiaries=50,
                  place="东港街道", region="普陀区", start_date=date(2026, 3, 1),
                  end_date=date(2026, 11, 30), volunteers=12,
                  budget_lines=[BudgetLineData(item=i, category=c, quantity=Decimal(q),
                                               unit_price=Decimal(p)) for i, c, q, p in lines])
    fields.update(overrides)
    return ApplicationData(**fields)


def path_to(target: ApplicationStatus, start: ApplicationStatus = S.DRAFT
            ) -> list[ApplicationStatus]:
    """The states after `start` on the shortest way through the table to `target`."""
    return shortest_path(APPLICATION, start, target)


def make_application(round_=None, organisation=None, *, status: ApplicationStatus | None = None,
                     challenge=None, data: ApplicationData | None = None,
                     requested: Decimal | str | None = None, pool=None, attachments: int = 0,
                     submitted: bool = True, staff=None, commit: bool = True,
                     **overrides) -> Application:
    """A complete proposal of `organisation` in `round_` (default: a round in review), moved
    along the lifecycle table to `status`: by default a draft while the round takes
    applications, in review once it is reviewing or later.

    Each step is one `APPLICATION.move`, audited and mailed as in life. Submission first
    (unless the status is a draft, or `submitted=False`: a draft withdrawn before it was ever
    handed in), with the pool, snapshot and time submit_application records, then the shortest
    way on. The group's owner makes the members' moves, `staff` the others (None: a fixture
    standing in for staff the test does not need). The moves are not asked of today's policy:
    a fixture replays a past (the group withdrew while the round was open; it is in review
    now), but the table still refuses a step no application can take, so no test starts from
    a state life cannot reach. An approved or awarded application gets no award here: approve
    it with review.services.approve_application when a test needs the money.

    `requested`: the amount asked for, as one budget line; `overrides` set fields afterwards.
    """
    n = next(_seq)
    round_ = round_ or (challenge.round if challenge is not None else make_review_round())
    organisation = organisation or make_organisation(commit=False)
    db.session.flush()
    if status is None:
        status = S.DRAFT if round_.status in (RoundStatus.DRAFT, RoundStatus.OPEN) \
            else S.IN_REVIEW
    owner = organisation.memberships[0].user if organisation.memberships else make_user(
        commit=False)
    if data is None:
        lines = DEFAULT_LINES if requested is None else [
            ("项目经费", BudgetCategory.OTHER, "1", str(Decimal(str(requested))))]
        data = application_data(lines, title=f"测试项目{n}", region=organisation.region)
    application = Application(round=round_, organisation=organisation, challenge=challenge,
                              status=S.DRAFT, created_by_id=owner.id)
    db.session.add(application)
    _fill(application, data)
    for i in range(attachments):
        application.attachments.append(Attachment(
            original_name=f"{organisation.name}-方案{i + 1}.pdf",
            stored_name=f"test-{n}-{i}", content_type="application/pdf", size=10,
            sha256="0" * 64, uploaded_by_id=owner.id))
    db.session.flush()
    steps = [] if status == S.DRAFT else path_to(status) if not submitted else \
        [S.SUBMITTED, *path_to(status, S.SUBMITTED)]
    for step in steps:
        rule = APPLICATION.rule(application.status, step)
        if step == S.SUBMITTED:
            chosen = pool if pool is not None else routed_pool(application)
            application.pool_id = chosen.id if chosen is not None else None
            application.submitted_at = utcnow()
            application.snapshot = build_snapshot(application)
        actor = owner if rule is not None and rule.action in MEMBER_MOVES else staff
        APPLICATION.move(actor, application, step, check=False)
    for key, value in overrides.items():
        setattr(application, key, value)
    db.session.flush()
    if commit:
        db.session.commit()
    return application


def _fill(application: Application, data: ApplicationData) -> None:
    for name in PROPOSAL_FIELDS:
        setattr(application, name, getattr(data, name))
    application.budget_lines = [
        BudgetLine(position=i, item=line.item, category=line.category, quantity=line.quantity,
                   unit_price_fen=to_fen(line.unit_price),
                   amount_fen=to_fen(line_amount(line.quantity, line.unit_price)))
        for i, line in enumerate(data.budget_lines)]
    application.requested_fen = sum(b.amount_fen for b in application.budget_lines)
    application.plan_rows = [PlanRow(position=i, period=r.period, activity=r.activity,
                                     expected_output=r.expected_output)
                             for i, r in enumerate(data.plan_rows)]
    application.team_members = [TeamMember(position=i, name=m.name, role=m.role, phone=m.phone)
                                for i, m in enumerate(data.team_members)]
