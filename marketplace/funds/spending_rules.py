"""The round's spending rules: how far over its budget a line may go before it is flagged, and
how much money a variation may move between lines before the organizer must approve it. Until
first saved, pages show the defaults (10% each) without storing them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.audit.services import record
from marketplace.core.locks import lock_rows
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds import spending_policy as policy
from marketplace.funds.spending_models import (
    DEFAULT_OVERSPEND_PERCENT,
    DEFAULT_VARIATION_PERCENT,
    SpendingRules,
)
from marketplace.rounds.models import Round

MAX_OVERSPEND_PERCENT = 1000


def rules_for(round_id: int) -> SpendingRules:
    """The round's rules: its row, or the defaults, not stored (pages only read them)."""
    return db.session.get(SpendingRules, round_id) or SpendingRules(
        round_id=round_id, overspend_percent=DEFAULT_OVERSPEND_PERCENT,
        variation_percent=DEFAULT_VARIATION_PERCENT)


def update_rules(actor, round_: Round, overspend_percent: int | None,
                 variation_percent: int | None) -> SpendingRules:
    require(policy.can_manage_spending_rules(actor, round_))
    if overspend_percent is None or not 0 <= overspend_percent <= MAX_OVERSPEND_PERCENT:
        raise NotAllowed(_l("超支提醒比例应在 0 到 %(max)d 之间。", max=MAX_OVERSPEND_PERCENT),
                         field="overspend_percent")
    if variation_percent is None or not 0 <= variation_percent <= 100:
        raise NotAllowed(_l("调整审批比例应在 0 到 100 之间。"), field="variation_percent")
    # Under the round's lock: the first save of two at once makes one row, the other waits.
    lock_rows(Round, [round_.id])
    rules = db.session.get(SpendingRules, round_.id)
    before = None
    if rules is None:
        rules = SpendingRules(round_id=round_.id)
        db.session.add(rules)
    else:
        before = {"overspend_percent": rules.overspend_percent,
                  "variation_percent": rules.variation_percent}
    rules.overspend_percent, rules.variation_percent = overspend_percent, variation_percent
    rules.updated_at, rules.updated_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    record("spending_rules.update", round_, actor=actor, before=before,
           after={"overspend_percent": overspend_percent,
                  "variation_percent": variation_percent})
    return rules
