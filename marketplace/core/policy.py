"""The one way to ask "may this user do this?" (see CONVENTIONS.md)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(reason: str) -> Decision:
    return Decision(False, str(reason))


class NotAllowed(Exception):
    """A service refused a change; the message is safe to show to the user."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(str(reason))
        self.reason = str(reason)
        self.field = field


def require(decision: Decision) -> None:
    """Raise NotAllowed with the decision's reason when it is a no."""
    if not decision:
        raise NotAllowed(decision.reason)


def visible_or_404(decision: Decision) -> None:
    """Objects a user may not see answer 404, not 403: their existence is not revealed."""
    if not decision:
        abort(404)
