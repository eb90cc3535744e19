"""Small helpers shared by the rounds tests."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from marketplace.accounts.models import Role
from marketplace.core.timeutil import utcnow
from marketplace.rounds.services import RoundData
from tests.factories import make_user


def organizer(**kw):
    return make_user(roles=[Role.ORGANIZER], **kw)


def round_data(**overrides) -> RoundData:
    """Valid settings for a round that could be published now."""
    now = utcnow().replace(second=0, microsecond=0)
    fields = dict(year=2026, title="2026年志愿服务集市创投项目", introduction="介绍",
                  total_budget=Decimal("579000.00"), opens_at=now - timedelta(hours=1),
                  deadline_at=now + timedelta(days=30),
                  review_ends_at=now + timedelta(days=45), publicity_days=7,
                  delivery_ends_at=now + timedelta(days=300),
                  max_amount_per_project=Decimal("50000.00"), max_applications_per_org=2,
                  budget_rules={"personnel": 30})
    fields.update(overrides)
    if fields["total_budget"] < fields["max_amount_per_project"] and \
            "max_amount_per_project" not in overrides:
        fields["max_amount_per_project"] = None  # small budgets in pool tests
    return RoundData(**fields)


def at(days: float) -> datetime:
    return utcnow() + timedelta(days=days)
