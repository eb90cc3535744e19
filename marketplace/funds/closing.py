"""Closing a project's money: at acceptance (the delivery issue calls
`request_unspent_return`), what was paid and not spent — paid (payments − returns) minus the
accepted expenses — becomes a return request: the group is asked to pay it back, finance sees
it among the returns expected, and what comes back goes to the pool (the payments side's
`funds.tranches.request_return` and `record_return`)."""
from __future__ import annotations

from decimal import Decimal

from marketplace.audit.services import record
from marketplace.core.policy import require
from marketplace.extensions import db
from marketplace.funds import expenses
from marketplace.funds import spending_policy as policy
from marketplace.funds.balances import balance
from marketplace.funds.models import Award
from marketplace.funds.services import lock_for_money
from marketplace.funds.tranches import request_return

CLOSING_REASON = "结项结余退回：已拨付资金扣除认可的支出后的结余。"


def unspent(award: Award) -> Decimal:
    """Paid (payments − returns) minus accepted expenses; negative when the group spent more
    than it was paid."""
    return balance(Award, award.id).paid - expenses.accepted_total(award.id)


def request_unspent_return(actor, award: Award, reason: str = CLOSING_REASON):
    """At closing: the unspent balance becomes a return request (its ReturnRequest); None
    when nothing is left to return. The closing and its figures are audited either way."""
    lock_for_money(award.round_id, award.pool_id, award_id=award.id)
    db.session.refresh(award)
    require(policy.can_close_spending(actor, award))
    paid = balance(Award, award.id).paid
    spent = expenses.accepted_total(award.id)
    amount = paid - spent
    record("award.close_spending", award, actor=actor,
           after={"paid": paid, "accepted_expenses": spent,
                  "unspent": max(amount, Decimal("0.00"))})
    if amount <= 0:
        return None
    return request_return(actor, award, amount, reason)
