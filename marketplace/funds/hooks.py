"""Where the two halves of funds (payments: payees, agreements, tranches; spending: expenses,
variations, sources) meet without importing each other's modules: each registers here what
the other's pages and rules need."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProjectPanel:
    """A part of the group's project page (funds.project): `build(user, award)` gives what
    `template` shows (as `panel`), or None to show nothing to this user."""

    key: str
    template: str
    build: Callable[[Any, Any], object | None]
    order: int = 100


PROJECT_PANELS: dict[str, ProjectPanel] = {}
# Reasons an award may not yet get its agreement (e.g. the revised budget is missing):
# check(award) -> a message, or None when nothing is missing.
AGREEMENT_PREREQUISITES: dict[str, Callable[[Any], object | None]] = {}
# Money by funding source for the round money view: figures(round_id) -> a list of dicts
# {"source": str, "budget", "committed", "released", "paid", "returned", "remaining": Decimal}.
SOURCE_FIGURES: dict[str, Callable[[int], list[dict]]] = {}
# The name of each pool's source for the money view and API: names(round_id) -> {pool_id: str}.
POOL_SOURCE_NAMES: dict[str, Callable[[int], dict[int, str]]] = {}


# Demo seeding steps, run by funds/demo.py after review's demo: seed(context) -> dict | None,
# in order of their (order, key).
DEMO_STEPS: dict[str, tuple[int, Callable[[dict], dict | None]]] = {}


def register_project_panel(panel: ProjectPanel) -> ProjectPanel:
    PROJECT_PANELS[panel.key] = panel
    return panel


def project_panels() -> list[ProjectPanel]:
    return sorted(PROJECT_PANELS.values(), key=lambda p: (p.order, p.key))
