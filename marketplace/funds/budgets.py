"""An award's budget: its versions, and the baseline its expenses and variances are measured
against (read only; the changes are funds/variations.py).

Version 1 is the application's budget as submitted (frozen since submission). It is stored
only when a later version is made; until then the baseline is read from the application.
A version stands unless its variation waits for approval or was refused; the baseline is the
latest version that stands. A line's `key` (its position in the application, from 1; new
lines get the next free key) stays the same from version to version, so expenses recorded
against a line follow it.

Where the award is below the request, the baseline (the application's budget) does not sum
to the award: the group submits a revised budget first, and the agreement waits for it
(`hooks.AGREEMENT_PREREQUISITES`).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.applications.models import Application, BudgetLine
from marketplace.core.money import format_yuan, from_fen
from marketplace.extensions import db
from marketplace.funds import hooks
from marketplace.funds.models import Award
from marketplace.funds.spending_models import (
    BudgetOrigin,
    BudgetVersion,
    Variation,
    VariationStatus,
)
from marketplace.rounds.models import BudgetCategory


@dataclass(frozen=True)
class Line:
    key: int
    item: str
    category: BudgetCategory
    amount_fen: int
    note: str = ""

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)


@dataclass(frozen=True)
class Baseline:
    """The budget in force: its version's number and origin, the project's end date and the
    lines. `stored` is False while it is still the application's budget, not yet copied."""

    number: int
    origin: BudgetOrigin
    end_date: date | None
    lines: tuple[Line, ...]
    stored: bool = True

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def total(self) -> Decimal:
        return from_fen(self.total_fen)

    def line(self, key: int) -> Line | None:
        return next((line for line in self.lines if line.key == key), None)


def original_lines(budget_lines: Iterable[BudgetLine]) -> tuple[Line, ...]:
    """The application's budget lines as version 1: keys 1, 2, … in their order."""
    ordered = sorted(budget_lines, key=lambda b: (b.position, b.id or 0))
    return tuple(Line(key=i, item=b.item, category=b.category, amount_fen=b.amount_fen,
                      note=b.note or "") for i, b in enumerate(ordered, start=1))


def _original(application: Application, budget_lines: Iterable[BudgetLine]) -> Baseline:
    return Baseline(number=1, origin=BudgetOrigin.ORIGINAL, end_date=application.end_date,
                    lines=original_lines(budget_lines), stored=False)


def of_version(version: BudgetVersion) -> Baseline:
    return Baseline(number=version.number, origin=version.origin, end_date=version.end_date,
                    lines=tuple(Line(key=x.key, item=x.item, category=x.category,
                                     amount_fen=x.amount_fen, note=x.note or "")
                                for x in version.lines))


def stands(version: BudgetVersion) -> bool:
    """Whether the version counts: no variation, or an approved one."""
    return version.variation is None or version.variation.status == VariationStatus.APPROVED


def versions_of(award_id: int) -> list[BudgetVersion]:
    """The stored versions, oldest first, with their lines and variations."""
    return list(db.session.scalars(
        select(BudgetVersion).where(BudgetVersion.award_id == award_id)
        .options(selectinload(BudgetVersion.lines), selectinload(BudgetVersion.variation))
        .order_by(BudgetVersion.number)))


def baselines(awards: Iterable[Award]) -> dict[int, Baseline]:
    """The baseline of each award, by award id: three statements however many awards."""
    awards = list(awards)
    ids = [a.id for a in awards]
    if not ids:
        return {}
    latest: dict[int, BudgetVersion] = {}
    for version in db.session.scalars(
            select(BudgetVersion).where(BudgetVersion.award_id.in_(ids))
            .options(selectinload(BudgetVersion.lines), selectinload(BudgetVersion.variation))
            .order_by(BudgetVersion.award_id, BudgetVersion.number)):
        if stands(version):
            latest[version.award_id] = version
    result = {award_id: of_version(v) for award_id, v in latest.items()}
    missing = [a for a in awards if a.id not in result]
    if missing:
        applications = {a.id: a for a in db.session.scalars(
            select(Application).where(Application.id.in_([a.application_id for a in missing]))
            .options(selectinload(Application.budget_lines)))}
        for award in missing:
            application = applications[award.application_id]
            result[award.id] = _original(application, application.budget_lines)
    return result


def baseline(award: Award) -> Baseline:
    return baselines([award])[award.id]


def needs_revision(award: Award, base: Baseline | None = None) -> bool:
    """The baseline does not sum to the award (an award below the request): the group must
    submit a revised budget before its agreement and its first expense."""
    base = base or baseline(award)
    return base.total_fen != award.amount_fen


def project_end_date(award: Award) -> date | None:
    """The project's end date as the latest standing version has it (a variation may extend
    it)."""
    return baseline(award).end_date


def open_variation(award_id: int) -> Variation | None:
    """The variation waiting for the organizer, if any (at most one per award)."""
    return db.session.scalar(select(Variation).where(
        Variation.award_id == award_id, Variation.status == VariationStatus.REQUESTED))


def _revised_budget_missing(award: Award):
    if needs_revision(award):
        return _l("立项金额 %(award)s 与预算合计 %(budget)s 不一致：请项目组先提交合计等于立项金额"
                  "的调整后预算。", award=format_yuan(award.amount_fen),
                  budget=format_yuan(baseline(award).total_fen))
    return None


hooks.AGREEMENT_PREREQUISITES["revised_budget"] = _revised_budget_missing
