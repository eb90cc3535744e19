"""Demo: the money after 立项 — run after review's demo (which makes the awards) by the
steps each part of funds registers in hooks.DEMO_STEPS (payments_demo.py, spending_demo.py)."""
from __future__ import annotations

from marketplace.funds import hooks

ORDER = 40


def seed(context: dict) -> dict:
    added: dict = {}
    for _order, step in sorted(hooks.DEMO_STEPS.values(), key=lambda s: s[0]):
        added.update(step({**context, **added}) or {})
    return added
