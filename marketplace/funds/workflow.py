"""The award's (立项) lifecycle as a table (core.workflow).

The funds domain withdraws an approval (DECOMMIT, money back to the pool) and, before the
公示, commits it again when the organizer changes the decision back to an approval (the
award's row is the application's one award: it comes back with a new COMMIT entry); the
review domain adds 立项 (approved → awarded) at the end of the 公示. Payments, termination
and acceptance bring their moves with later issues.
"""
from __future__ import annotations

from marketplace.core.workflow import Transition, Workflow
from marketplace.funds.models import AwardStatus

W = AwardStatus

AWARD = Workflow("award", AwardStatus, initial={W.APPROVED}, final={W.AWARDED})

AWARD.add(
    # Whoever withdraws the approval has been asked by their own domain (an objection upheld:
    # review.policy.can_answer_objection); the ledger has no policy of its own.
    Transition(W.APPROVED, W.WITHDRAWN, "award.decommit"),
    # A withdrawn approval made again before the 公示 (review.decisions.change_decision: the
    # review domain decided who and when); after the 公示 nothing brings it back.
    Transition(W.WITHDRAWN, W.APPROVED, "award.recommit"),
)
