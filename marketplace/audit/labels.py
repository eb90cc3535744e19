"""What the audit log says to people: a label for every action, the name of every kind of
object, and labels (and formats) for the fields an entry's before → after holds.

The audit domain stands low, just above core; the domains that write audit entries stand
above it. So each domain declares its own words in `<domain>/audit_labels.py` (imported by
its `__init__.py`) and hands them in here:

    # review/audit_labels.py
    labels.actions({"decision.change": _l("改变了评审决定"), ...})
    labels.object_kind("application", _l("申报书"), names=application_titles)
    labels.fields({"amount_fen": labels.Field(_l("金额"), labels.money)})

An action reads as the verb of a sentence — "<who> <action> <object>": 王芳 提交了 申报书《…》 /
Wang Fang submitted application "…". `tests/audit/test_audit_labels.py` reads the source for
every action written anywhere (`record("…")` and the workflow tables) and fails on one
without a label in both languages, so a new action names its label where it is made.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from marketplace.core import workflow
from marketplace.core.money import format_yuan, to_decimal
from marketplace.core.timeutil import to_local

# Names for many objects of one kind in one statement: ids -> {id: name}.
Names = Callable[[set[int]], dict[int, str]]
Format = Callable[[Any], str]


@dataclass(frozen=True)
class ObjectKind:
    type: str                    # AuditEntry.object_type, the table's name
    label: Any                   # lazy: "申报书"
    names: Names | None = None   # the objects' names (titles), one statement per page
    states: type[enum.Enum] | None = None  # its status enum, when no workflow has its name


@dataclass(frozen=True)
class Field:
    label: Any
    format: Format | None = None


ACTIONS: dict[str, Any] = {}
KINDS: dict[str, ObjectKind] = {}
# (object type or None for any, field) -> Field
FIELDS: dict[tuple[str | None, str], Field] = {}


def actions(labels: dict[str, Any]) -> None:
    """Register action labels; one action has one label (a different one is a mistake)."""
    for action, label in labels.items():
        existing = ACTIONS.get(action)
        if existing is not None and str(existing) != str(label):
            raise ValueError(f"audit action {action!r} already reads {existing!r}")
        ACTIONS[action] = label


def object_kind(type_: str, label: Any, *, names: Names | None = None,
                states: type[enum.Enum] | None = None) -> None:
    KINDS[type_] = ObjectKind(type_, label, names, states)


def fields(labels: dict[str, Field | Any], object_type: str | None = None) -> None:
    """Field labels, for every kind of object or for one (`object_type`)."""
    for name, value in labels.items():
        FIELDS[(object_type, name)] = value if isinstance(value, Field) else Field(value)


# --- formats ----------------------------------------------------------------------------------

ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


def money(value: Any) -> str:
    """Fen (an int) or yuan (a Decimal or its text) as ¥12,000.00."""
    if value is None or value == "":
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return format_yuan(value)
    try:
        return format_yuan(to_decimal(value))
    except ValueError:
        return str(value)


def local_time(value: Any) -> str:
    """A stored UTC time (ISO text) in Asia/Shanghai (the page says so once)."""
    if isinstance(value, str) and ISO_TIME.match(value):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    return plain(value)


def choice(labels: dict[str, Any]) -> Format:
    """A stored code (or a list of them) shown by its label (an unknown code as it is)."""
    def _format(value: Any) -> str:
        if isinstance(value, list):
            return _("、").join(str(labels.get(v, v)) for v in value) if value else "—"
        return str(labels.get(value, value)) if value not in (None, "") else "—"
    return _format


def enum_labels(states: type[enum.Enum]) -> Format:
    def _format(value: Any) -> str:
        try:
            member = states(value)
        except ValueError:
            return plain(value)
        return str(getattr(member, "label", member.value))
    return _format


def plain(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str) and ISO_TIME.match(value):
        return local_time(value)
    if isinstance(value, list):
        return _("、").join(plain(v) for v in value) if value else "—"
    if isinstance(value, dict):
        return _row(value)
    return str(value)


# A row in a list (a budget line, a tranche): its name and its amount say what it is.
ROW_NAMES = ("item", "label", "name", "title")
ROW_AMOUNTS = ("amount", "amount_fen")


def _row(value: dict) -> str:
    name = next((value[k] for k in ROW_NAMES if value.get(k)), None)
    amount = next((value[k] for k in ROW_AMOUNTS if value.get(k) not in (None, "")), None)
    if name is not None:
        return f"{name} {money(amount)}" if amount is not None else str(name)
    return _("；").join(f"{k}: {plain(v)}" for k, v in value.items())


# --- looking up -------------------------------------------------------------------------------

def action_label(action: str) -> str | None:
    label = ACTIONS.get(action)
    return str(label) if label is not None else None


def kind_label(object_type: str) -> str:
    kind = KINDS.get(object_type)
    return str(kind.label) if kind else object_type


def _states(object_type: str) -> type[enum.Enum] | None:
    kind = KINDS.get(object_type)
    if kind is not None and kind.states is not None:
        return kind.states
    table = workflow.REGISTRY.get(object_type)
    return table.states if table is not None else None


def field_of(object_type: str, name: str) -> Field:
    """The field's label and format: the object's own, else the common one; a status uses its
    workflow's labels, `*_fen` is money, ISO times are Beijing time; else the name itself."""
    found = FIELDS.get((object_type, name)) or FIELDS.get((None, name))
    if found is not None and found.format is not None:
        return found
    label = found.label if found is not None else name
    if name in ("status", "state") and _states(object_type) is not None:
        return Field(label, enum_labels(_states(object_type)))
    if name.endswith("_fen"):
        return Field(label, money)
    return Field(label, plain)


def all_actions() -> list[tuple[str, str]]:
    """(action, label) for a filter's choices, by label."""
    return sorted(((a, str(label)) for a, label in ACTIONS.items()), key=lambda p: p[1])


def names_for(wanted: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """Names of the objects wanted ({type: ids}): one statement per kind on the page."""
    found: dict[tuple[str, int], str] = {}
    for type_, ids in wanted.items():
        kind = KINDS.get(type_)
        if kind is None or kind.names is None or not ids:
            continue
        for id_, name in kind.names(set(ids)).items():
            found[(type_, id_)] = name
    return found

