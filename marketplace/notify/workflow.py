"""An outbox message's delivery as a table (core.workflow). Not audited: delivery is the
sender's bookkeeping, not a change anyone made. A failed attempt that will be retried leaves
the message pending (only its next attempt time moves), so it is no move of this table."""
from __future__ import annotations

from marketplace.core.workflow import Transition, Workflow
from marketplace.notify.models import OutboxStatus

DELIVERY = Workflow("outbox_message", OutboxStatus, initial={OutboxStatus.PENDING},
                    final={OutboxStatus.SENT, OutboxStatus.FAILED}, audited=False)

DELIVERY.add(
    Transition(OutboxStatus.PENDING, OutboxStatus.SENT, "outbox.sent"),
    Transition(OutboxStatus.PENDING, OutboxStatus.FAILED, "outbox.failed"),  # out of attempts
)
