"""What the domains above rounds add to it, registered when they are imported.

Rounds stands below applications, funds and review, yet its pages and rules need a word from
them: the round page shows their figures and links, deleting a pool or a challenge asks
whether anything of theirs uses it, lowering a pool asks what it has committed, extending a
deadline asks whom to tell. Rounds asks these registries and never imports upward; each
higher domain registers here what it knows (docs/architecture.md, "Layers"):

    # applications/services.py: a pool stays while applications are filed under it
    contributions.in_use_while_referenced(
        "pool", Application.pool_id,
        lambda n: _l("有 %(n)d 份申报书归入这个资金池，不能删除。", n=n), order=20)

Registering the same key again replaces the entry (a module imported twice).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, union

from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from marketplace.rounds.models import Challenge, Pool, Round

# --- the round page (rounds/detail.html) ---------------------------------------------------


@dataclass(frozen=True)
class RoundPanel:
    """A part of the round page drawn by a higher domain: `build(user, round_)` gives what its
    `template` shows (as `panel`), or None to show nothing to this user. Slots: "staff" (the
    staff card at the top of the page), "aside" (beside the round's settings)."""

    key: str
    template: str
    build: Callable[[Any, Round], object | None]
    slot: str = "staff"
    order: int = 100


@dataclass(frozen=True)
class RoundLink:
    """A button in the staff card, to a higher domain's page about the round."""

    key: str
    label: object  # a (lazy) translated string, from the registering domain's catalog
    url: Callable[[Round], str]
    visible: Callable[[Any, Round], object]  # truthy: shown to this user
    testid: str = ""
    order: int = 100


@dataclass(frozen=True)
class PoolColumn:
    """A column of the round page's pool table: a header and a figure per pool id."""

    header: object
    values: dict[int, Decimal]


_PANELS: dict[str, RoundPanel] = {}
_LINKS: dict[str, RoundLink] = {}
_POOL_COLUMNS: dict[str, Callable[[Any, Round], list[PoolColumn]]] = {}


def register_round_panel(panel: RoundPanel) -> RoundPanel:
    _PANELS[panel.key] = panel
    return panel


def register_round_link(link: RoundLink) -> RoundLink:
    _LINKS[link.key] = link
    return link


def register_pool_columns(key: str, columns: Callable[[Any, Round], list[PoolColumn]]) -> None:
    """`columns(user, round_)`: the columns this user sees (none: an empty list)."""
    _POOL_COLUMNS[key] = columns


def round_panels(user, round_: Round) -> dict[str, list[tuple[RoundPanel, object]]]:
    """{slot: [(panel, what it shows)]} of the panels this user sees, in order."""
    shown: dict[str, list[tuple[RoundPanel, object]]] = {}
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        data = panel.build(user, round_)
        if data is not None:
            shown.setdefault(panel.slot, []).append((panel, data))
    return shown


def round_links(user, round_: Round) -> list[tuple[RoundLink, str]]:
    """[(link, its url)] of the links this user sees, in order."""
    return [(link, link.url(round_))
            for link in sorted(_LINKS.values(), key=lambda k: (k.order, k.key))
            if link.visible(user, round_)]


def pool_columns(user, round_: Round) -> list[PoolColumn]:
    return [column for key in sorted(_POOL_COLUMNS)
            for column in _POOL_COLUMNS[key](user, round_)]


# --- rules ----------------------------------------------------------------------------------

def _name(function: Callable) -> str:
    """A registered function's key: registering it again replaces it."""
    return f"{function.__module__}.{function.__qualname__}"


# kind ("pool", "challenge") -> {key: (order, check)}; a check answers why the object cannot
# be deleted (what depends on it), or None.
_IN_USE: dict[str, dict[str, tuple[int, Callable[[Any], object | None]]]] = {
    "pool": {}, "challenge": {}}


def in_use_check(kind: str, order: int = 100):
    """Decorator: `check(obj)` says why a pool or challenge may not be deleted, or None."""

    def register(check: Callable[[Pool | Challenge], object | None]):
        _IN_USE[kind][_name(check)] = (order, check)
        return check

    return register


def in_use_while_referenced(kind: str, column, message: Callable[[int], object],
                            order: int = 100) -> None:
    """Register the commonest check: `obj` is in use while rows have `column` (a foreign key
    of another table) equal to its id; `message(n)` says so for n such rows."""

    def check(obj):
        n = db.session.scalar(select(func.count()).select_from(column.class_)
                              .where(column == obj.id))
        return message(n) if n else None

    _IN_USE[kind][f"{column.class_.__name__}.{column.key}"] = (order, check)
    _REFERENCES[kind][f"{column.class_.__name__}.{column.key}"] = column


# kind -> {key: column}: the "rows still point at it" checks, asked for many objects at once.
_REFERENCES: dict[str, dict[str, Any]] = {"pool": {}, "challenge": {}}


def in_use_ids(kind: str, objects: Iterable[Pool | Challenge]) -> set[int]:
    """The ids among `objects` that something uses (what `in_use` would refuse): one
    statement for every "rows point at it" check together, so a page listing pools asks
    once whatever their number; checks of another kind (`@in_use_check`) one by one."""
    objects = list(objects)
    ids = [o.id for o in objects]
    if not ids:
        return set()
    columns = list(_REFERENCES[kind].values())
    used: set[int] = set()
    if columns:
        queries = [select(column.label("id")).where(column.in_(ids)) for column in columns]
        used = set(db.session.scalars(union(*queries))) if len(queries) > 1 else \
            set(db.session.scalars(queries[0]))
    others = [check for key, (_order, check) in _IN_USE[kind].items()
              if key not in _REFERENCES[kind]]
    for obj in objects:
        if obj.id not in used and any(check(obj) for check in others):
            used.add(obj.id)
    return used


def in_use(kind: str, obj: Pool | Challenge) -> object | None:
    """The first reason, in order, why `obj` is in use; None when nothing uses it."""
    for _order, check in sorted(_IN_USE[kind].values(), key=lambda entry: entry[0]):
        reason = check(obj)
        if reason:
            return reason
    return None


_POOL_AMOUNT_CHECKS: dict[str, Callable[[Pool, Decimal], object | None]] = {}


def pool_amount_check(check: Callable[[Pool, Decimal], object | None]):
    """Decorator: `check(pool, amount)` says why the pool's amount may not become `amount`
    (money already committed from it), or None."""
    _POOL_AMOUNT_CHECKS[_name(check)] = check
    return check


def pool_amount_problem(pool: Pool, amount: Decimal) -> object | None:
    for check in _POOL_AMOUNT_CHECKS.values():
        reason = check(pool, amount)
        if reason:
            return reason
    return None


# Who hears that a round's deadline was extended: functions round -> organisations, from the
# domain that knows (applications: groups with drafts or returned applications).
_DEADLINE_AUDIENCES: dict[str, Callable[[Round], Iterable[Organisation]]] = {}


def deadline_audience(find: Callable[[Round], Iterable[Organisation]]):
    """Decorator: register a function naming organisations to tell about an extension."""
    _DEADLINE_AUDIENCES[_name(find)] = find
    return find


def deadline_audiences() -> list[Callable[[Round], Iterable[Organisation]]]:
    return list(_DEADLINE_AUDIENCES.values())
