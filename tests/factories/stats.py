"""Awarded (立项) and not-awarded projects for statistics tests: the application through the
application factory (its lifecycle table), its award written directly (no ledger)."""
from __future__ import annotations

import itertools
from datetime import datetime

from marketplace.applications.models import ApplicationStatus
from marketplace.core.money import from_fen
from marketplace.extensions import db
from marketplace.funds.models import Award, AwardStatus
from marketplace.rounds.models import BudgetCategory, RoundStatus
from tests.factories.accounts import make_organisation
from tests.factories.applications import application_data, make_application
from tests.factories.rounds import make_round

__all__ = ["make_project", "make_stats_round"]

_seq = itertools.count(1)


def make_stats_round(year: int, *, status=RoundStatus.CLOSED, **overrides):
    overrides.setdefault("title", f"{year}年测试项目库")
    return make_round(year=year, status=status, general_pool=False, **overrides)


def make_project(round_, *, organisation=None, amount_fen: int | None = 1_000_000,
                 requested_fen: int | None = None, category: str = "关爱帮扶",
                 region: str = "定海区", challenge=None, awarded: bool = True,
                 award_status=AwardStatus.AWARDED, status=None, commit: bool = True):
    """An application of `round_`; with `awarded`, an Award that reached 立项 (awarded_at set),
    whatever `award_status` it has now. `awarded=False` with an amount: approved, not 立项."""
    organisation = organisation or make_organisation(commit=False, region=region)
    if status is None:
        status = ApplicationStatus.AWARDED if awarded else ApplicationStatus.REJECTED
    requested = from_fen(requested_fen or amount_fen or 100)
    application = make_application(
        round_, organisation, status=status, challenge=challenge, commit=False,
        data=application_data([("项目经费", BudgetCategory.OTHER, "1", str(requested))],
                              title=f"测试项目{next(_seq)}", category=category, region=region))
    if amount_fen is not None and (awarded or award_status != AwardStatus.AWARDED):
        db.session.add(Award(application=application, round=round_, amount_fen=amount_fen,
                             status=award_status,
                             awarded_at=datetime(round_.year, 6, 1) if awarded else None))
    db.session.flush()
    if commit:
        db.session.commit()
    return application
