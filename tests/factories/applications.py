"""Applications with sensible defaults: a complete open-call draft that can be submitted."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from marketplace.applications.models import Application, ApplicationStatus
from marketplace.applications.services import ApplicationData, BudgetLineData
from marketplace.core.money import to_fen
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.rounds.models import BudgetCategory
from tests.factories.accounts import make_organisation, make_user
from tests.factories.rounds import make_round

__all__ = ["application_data", "make_proposal"]

DEFAULT_LINES = [("活动物资", BudgetCategory.MATERIALS, "10", "150.00"),
                 ("宣传海报", BudgetCategory.PUBLICITY, "2", "250.00")]


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


def make_proposal(round_=None, organisation=None, *, challenge=None,
                     status=ApplicationStatus.DRAFT, data: ApplicationData | None = None,
                     commit: bool = True, **overrides) -> Application:
    """A complete proposal in `status` (set directly, no lifecycle checks: for fixtures)."""
    round_ = round_ or (challenge.round if challenge is not None else make_round(commit=False))
    organisation = organisation or make_organisation(commit=False)
    db.session.flush()
    creator = organisation.memberships[0].user if organisation.memberships else make_user(
        commit=False)
    application = Application(round=round_, organisation=organisation, challenge=challenge,
                              status=ApplicationStatus.DRAFT, created_by_id=creator.id)
    db.session.add(application)
    db.session.flush()
    data = data or application_data()
    _fill(application, data)
    application.status = status
    if status not in (ApplicationStatus.DRAFT,):
        application.submitted_at = utcnow()
        pool = challenge.pool if challenge is not None else next(
            (p for p in round_.pools if p.kind.value == "general"), None)
        application.pool = pool
    for key, value in overrides.items():
        setattr(application, key, value)
    db.session.flush()
    if commit:
        db.session.commit()
    return application


def _fill(application: Application, data: ApplicationData) -> None:
    from marketplace.applications.models import BudgetLine
    from marketplace.applications.services import PROPOSAL_FIELDS, line_amount

    for name in PROPOSAL_FIELDS:
        setattr(application, name, getattr(data, name))
    application.budget_lines = [
        BudgetLine(position=i, item=line.item, category=line.category, quantity=line.quantity,
                   unit_price_fen=to_fen(line.unit_price),
                   amount_fen=to_fen(line_amount(line.quantity, line.unit_price)))
        for i, line in enumerate(data.budget_lines)]
    application.requested_fen = sum(b.amount_fen for b in application.budget_lines)


