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

# Whether a tranche's gate is met, by gate (rounds.models.TrancheGate value):
# check(award) -> None when met, else a message saying what is missing. `on_award` needs none;
# the agreement side registers "after_agreement", the delivery issue the report, mid-term and
# acceptance gates. A gate with no check registered is not met ("not yet available").
GATE_CHECKS: dict[str, Callable[[Any], object | None]] = {}
# Reasons a payment on an award must wait (no payee recorded, a changed account finance has not
# confirmed, no signed agreement): check(award) -> a message, or None.
PAYMENT_BLOCKERS: dict[str, Callable[[Any], object | None]] = {}


@dataclass(frozen=True)
class PayeeInfo:
    """Where an award's money goes (收款信息): the account holder, bank and branch, the full
    account number (show `masked` everywhere but the finance payment page and the
    organisation's own settings), and the host unit (依托单位) the team is paid through."""

    account_name: str
    bank: str
    account_number: str
    host_unit: str | None = None

    @property
    def masked(self) -> str:
        digits = self.account_number.replace(" ", "")
        if len(digits) <= 8:
            return "**** " + digits[-4:]
        return f"{digits[:4]} **** **** {digits[-4:]}"


# The payee of an award: payee(award) -> PayeeInfo | None (registered once, by the payee side).
AWARD_PAYEE: dict[str, Callable[[Any], PayeeInfo | None]] = {}


def award_payee(award) -> PayeeInfo | None:
    for find in AWARD_PAYEE.values():
        found = find(award)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class WorkbenchPanel:
    """A part of the finance workbench page: `build(user)` gives what `template` shows (as
    `panel`), or None to show nothing."""

    key: str
    template: str
    build: Callable[[Any], object | None]
    order: int = 100


WORKBENCH_PANELS: dict[str, WorkbenchPanel] = {}


def workbench_panels() -> list[WorkbenchPanel]:
    return sorted(WORKBENCH_PANELS.values(), key=lambda p: (p.order, p.key))


# Demo seeding steps, run by funds/demo.py after review's demo: seed(context) -> dict | None,
# in order of their (order, key).
DEMO_STEPS: dict[str, tuple[int, Callable[[dict], dict | None]]] = {}


def register_project_panel(panel: ProjectPanel) -> ProjectPanel:
    PROJECT_PANELS[panel.key] = panel
    return panel


def project_panels() -> list[ProjectPanel]:
    return sorted(PROJECT_PANELS.values(), key=lambda p: (p.order, p.key))
