"""What funds shows on the pages of the domains below it: the round page's money (the round's
summary beside its settings; for staff, each pool's committed and remaining money)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.accounts.roles import is_organizer
from marketplace.funds.balances import balances, round_summary
from marketplace.rounds import contributions
from marketplace.rounds.models import Pool, Round


def _round_money(user, round_: Round) -> dict:
    """Everyone sees the budget and what is in pools; staff also what is committed."""
    return {"summary": round_summary(round_), "details": is_organizer(user)}


def _pool_money(user, round_: Round) -> list[contributions.PoolColumn]:
    if not is_organizer(user):
        return []
    of_pool = balances(Pool, round_id=round_.id)
    return [contributions.PoolColumn(_l("已承诺"), {i: b.committed for i, b in of_pool.items()}),
            contributions.PoolColumn(_l("余额"), {i: b.remaining for i, b in of_pool.items()})]


contributions.register_round_panel(contributions.RoundPanel(
    "money", "funds/_round_money.html", _round_money, slot="aside"))
contributions.register_pool_columns("money", _pool_money)
