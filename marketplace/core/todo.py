"""The to-do list on a signed-in person's home page, as a registry: each domain adds what its
people have to do, from its own `todo.py`, and the home page only draws it.

Two kinds of entries, each in a section of SECTIONS (a heading per role):

- a **count** ("待答复的异议 3"): `register(audience, key, label, count, url, section=...)`.
  `count(user)` returns an int or a `Tally` (the count, the nearest deadline, and the one
  round they all belong to, if they do: then the link goes straight there); `url(tally)`
  gives the link. Nothing to do (0) draws nothing.
- **rows** (a reviewer's rounds with their deadlines, a group's applications with the next
  thing due): `register_rows(audience, key, rows, section=...)`, `rows(user)` returning
  `Todo` lines.

`audience(user)` says who the entry is for (a role from accounts/roles.py): a section is drawn
for a person when one of its entries is for them, with "暂无待办事项" when they have nothing
to do there. Every count and every list is one SQL statement (or a fixed few), whatever the
number of rows, and a count also shown in the nav bar (`core.nav.badge`) is shared with it
through `core.request_cache.per_request`; `tallies()` counts several things in one statement.

    # review/todo.py
    todo.register(roles.is_organizer, "review.objections", _l("待答复的异议"),
                  count=lambda user: _organizer_tallies(user)["objections"],
                  url=lambda t: url_for("review.objections", round_id=t.only)
                  if t.only else url_for("review.rounds"), section="organizer", order=50)

The finance section is the funds domain's workbench slot: `funds/todo.py` registers its
counts there (payments to make, returns to record) with `audience=roles.is_finance`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Select, func, literal_column, null, select, union_all

from marketplace.core.timeutil import utcnow
from marketplace.extensions import db


@dataclass(frozen=True)
class Section:
    key: str
    label: Any  # a (lazy) translated heading; None: no heading (drawn first)


SECTIONS = (
    Section("inbox", None),
    Section("organizer", _l("团市委工作")),
    Section("finance", _l("财务工作")),
    Section("reviewer", _l("评审任务")),
    Section("admin", _l("系统管理")),
    Section("member", _l("我的组织与申报")),
)
_SECTION_KEYS = frozenset(s.key for s in SECTIONS)


@dataclass(frozen=True)
class Tally:
    """How many things wait, the nearest deadline among them, and `only`: the id of the one
    place (a round) they all belong to, if they all belong to one."""
    count: int
    due_at: datetime | None = None
    only: int | None = None

    def __bool__(self) -> bool:
        return self.count > 0


@dataclass(frozen=True)
class Todo:
    """One line of the list as drawn."""
    key: str
    label: str
    url: str
    count: int | None = None           # drawn as a number at the end of the line
    detail: str = ""                   # a second line: where, the next step
    due_at: datetime | None = None     # drawn as the deadline (Asia/Shanghai)
    due_label: str = ""                # what the deadline is ("评审截止"); default "截止"
    overdue: bool = False              # the deadline has passed: drawn in red
    status: Any = None                 # a status enum (drawn with status_badge)


@dataclass(frozen=True)
class Entry:
    section: str
    key: str
    audience: Callable[[Any], object]
    lines: Callable[[Any], list[Todo]]
    order: int = 100


@dataclass(frozen=True)
class SectionTodos:
    section: Section
    todos: list[Todo] = field(default_factory=list)


_REGISTRY: dict[str, Entry] = {}


def _add(entry: Entry) -> Entry:
    if entry.section not in _SECTION_KEYS:
        raise ValueError(f"unknown to-do section {entry.section!r}; one of "
                         f"{sorted(_SECTION_KEYS)}")
    # One entry per key: a module imported twice replaces its entry instead of doubling it.
    _REGISTRY[entry.key] = entry
    return entry


def register(audience: Callable[[Any], object], key: str, label, count: Callable[[Any], Any],
             url: Callable[[Tally], str], *, section: str, order: int = 100,
             detail: Callable[[Tally], str] | None = None, due_label=None) -> Entry:
    """A counted line: `label` with `count(user)` (an int or a Tally), linking to `url(tally)`;
    drawn only when the count is above 0. A Tally's `due_at` is drawn as `due_label`."""

    def lines(user) -> list[Todo]:
        tally = as_tally(count(user))
        if not tally:
            return []
        due = tally.due_at
        return [Todo(key, str(label), url(tally), count=tally.count, due_at=due,
                     due_label=str(due_label or ""), overdue=due is not None and due < utcnow(),
                     detail=detail(tally) if detail else "")]

    return _add(Entry(section, key, audience, lines, order))


def register_rows(audience: Callable[[Any], object], key: str,
                  rows: Callable[[Any], list[Todo]], *, section: str,
                  order: int = 100) -> Entry:
    """Listed lines: `rows(user)` returns the `Todo`s (one statement, however many)."""
    return _add(Entry(section, key, audience, rows, order))


def entries(section: str | None = None) -> list[Entry]:
    return sorted((e for e in _REGISTRY.values() if section in (None, e.section)),
                  key=lambda e: (e.order, e.key))


def as_tally(value) -> Tally:
    return value if isinstance(value, Tally) else Tally(int(value or 0))


def todo_list(user) -> list[SectionTodos]:
    """The person's list: each section one of whose entries is for them, in SECTIONS order."""
    asked: dict[Callable, bool] = {}  # an audience asked once, however many entries share it

    def admits(entry: Entry) -> bool:
        if entry.audience not in asked:
            asked[entry.audience] = bool(entry.audience(user))
        return asked[entry.audience]

    result = []
    for section in SECTIONS:
        mine = [e for e in entries(section.key) if admits(e)]
        if mine:
            result.append(SectionTodos(section, [t for e in mine for t in e.lines(user)]))
    return result


def tallies(queries: Mapping[str, Select]) -> dict[str, Tally]:
    """Count several things in one statement. Each query selects the rows to count, with
    the column labelled "ref" naming where a row belongs (a round's id) and optionally one
    labelled "due" (a deadline); each becomes one row of a UNION ALL: its count, the nearest
    due date and, when every row has the same ref, that ref (`Tally.only`)."""
    if not queries:
        return {}
    keys = list(queries)
    parts = []
    for index, key in enumerate(keys):
        rows = queries[key].subquery()
        due = rows.c.due if "due" in rows.c else null().cast(DateTime)
        # The part's number is written into the SQL (no parameter whose type PostgreSQL
        # would have to guess across the UNION).
        parts.append(select(literal_column(str(index)).label("part"), func.count().label("n"),
                            func.count(func.distinct(rows.c.ref)).label("places"),
                            func.min(rows.c.ref).label("ref"), func.min(due).label("due"))
                     .select_from(rows))
    result = {}
    for part, n, places, ref, due in db.session.execute(union_all(*parts)):
        result[keys[int(part)]] = Tally(int(n or 0), due_at=due,
                                        only=ref if places == 1 else None)
    return result
