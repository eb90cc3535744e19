"""The lifecycles of a tranche and of a return request as tables (core.workflow).

A tranche: scheduled → releasable (its gate is met; worked out when the organizer acts, never
by a page that is only looked at) → release requested (the organizer) → released (finance
approves: the RELEASE entry) → paid (finance's payments reach its amount); any tranche not yet
released → cancelled (the award withdrawn, cut or terminated). A return request: expected →
received (what came back covers it).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.core.workflow import Transition, Workflow
from marketplace.funds import payment_policy as policy
from marketplace.funds.models import TrancheState
from marketplace.funds.payment_models import ReturnStatus

T = TrancheState

TRANCHE = Workflow("tranche", TrancheState, initial={T.SCHEDULED},
                   final={T.PAID, T.CANCELLED}, attribute="state")
TRANCHE.add(
    # The gate's check decided (funds/tranches.py `gate_problem`); no one's permission.
    Transition(T.SCHEDULED, T.RELEASABLE, "tranche.releasable"),
    Transition(T.RELEASABLE, T.RELEASE_REQUESTED, "tranche.request_release",
               policy.can_request_release, label=_l("申请下达"),
               endpoint="funds.request_release"),
    Transition(T.RELEASE_REQUESTED, T.RELEASED, "tranche.release", policy.can_approve_release,
               label=_l("批准下达"), endpoint="funds.approve_release",
               confirm=_l("批准后这一期资金即下达、可以拨付，不能撤回。确定批准吗？")),
    # Paid in full: the payments decided it (funds/tranches.py `record_payment`).
    Transition(T.RELEASED, T.PAID, "tranche.paid"),
    # Cancelled with the award's withdrawal or cut (funds/tranches.py `cancel_unreleased`).
    Transition(T.SCHEDULED, T.CANCELLED, "tranche.cancel"),
    Transition(T.RELEASABLE, T.CANCELLED, "tranche.cancel"),
    Transition(T.RELEASE_REQUESTED, T.CANCELLED, "tranche.cancel"),
)

R = ReturnStatus
RETURN_REQUEST = Workflow("return_request", ReturnStatus, initial={R.EXPECTED},
                          final={R.RECEIVED})
RETURN_REQUEST.add(
    Transition(R.EXPECTED, R.RECEIVED, "return.settle", policy.can_settle_return),
)
