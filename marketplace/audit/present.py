"""The audit log as people read it: each entry a sentence — who, what (the action's label),
which object (its kind and its name) — and its before → after as labelled, formatted fields.

Names come in a fixed number of statements per page, not per entry: the actors with the
entries, then one statement per kind of object on the page (audit/labels.py `names_for`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from marketplace.audit import labels
from marketplace.audit.models import AuditEntry

SNAPSHOT_NAMES = ("title", "name", "email")


@dataclass
class Change:
    label: str
    before: str | None  # None: the field was not recorded before (a creation)
    after: str | None


@dataclass
class Line:
    entry: AuditEntry
    actor: str | None          # the person's name; None for the system
    actor_email: str | None
    action: str                # the label, or the code when none is registered
    labelled: bool
    kind: str | None           # "申报书"
    name: str | None           # "海岛课堂"
    changes: list[Change] = field(default_factory=list)


def _snapshot_name(entry: AuditEntry) -> str | None:
    for values in (entry.after or {}, entry.before or {}):
        for key in SNAPSHOT_NAMES:
            if isinstance(values.get(key), str) and values[key]:
                return values[key]
    return None


def _referenced(key: str) -> str | None:
    """The kind of object a field such as `application_id` names, when the log knows it."""
    kind = key[:-3] if key.endswith("_id") else None
    return kind if kind in labels.KINDS and labels.KINDS[kind].names else None


def _changes(entry: AuditEntry, names: dict[tuple[str, int], str]) -> list[Change]:
    before, after = entry.before or {}, entry.after or {}
    keys = list(before) + [k for k in after if k not in before]
    changes = []
    for key in keys:
        spec = labels.field_of(entry.object_type, key)
        show = spec.format or labels.plain
        kind = _referenced(key)
        if kind is not None:
            def show(value, kind=kind, plain=show):
                return names.get((kind, value)) or plain(value) if isinstance(value, int) \
                    else plain(value)
        changes.append(Change(str(spec.label),
                              show(before[key]) if key in before else None,
                              show(after[key]) if key in after else None))
    return changes


def lines(entries: list[AuditEntry]) -> list[Line]:
    """The page's entries as sentences (the entries' actors loaded with them)."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.object_id is not None:
            wanted.setdefault(entry.object_type, set()).add(entry.object_id)
        # Objects a change names by id (the pool an application moved to) are named too.
        for values in (entry.before or {}, entry.after or {}):
            for key, value in values.items():
                kind = _referenced(key)
                if kind is not None and isinstance(value, int) and not isinstance(value, bool):
                    wanted.setdefault(kind, set()).add(value)
    names = labels.names_for(wanted)
    result = []
    for entry in entries:
        label = labels.action_label(entry.action)
        name = None
        # "王芳 登录了", not "王芳 登录了 王芳": a person acting on their own account.
        own_account = entry.object_type == "user" and entry.object_id == entry.actor_id
        if entry.object_id is not None and not own_account:
            name = names.get((entry.object_type, entry.object_id)) or _snapshot_name(entry) \
                or f"#{entry.object_id}"
        result.append(Line(
            entry=entry,
            actor=entry.actor.name if entry.actor else None,
            actor_email=entry.actor.email if entry.actor else None,
            action=label or entry.action, labelled=label is not None,
            kind=labels.kind_label(entry.object_type)
            if entry.object_type != "-" and not own_account else None,
            name=name, changes=_changes(entry, names)))
    return result


def object_type_choices(present: list[str]) -> list[tuple[str, str]]:
    """Kinds to filter by: the registered ones and any other type the log holds."""
    types = set(labels.KINDS) | set(present)
    types.discard("-")
    return sorted(((t, labels.kind_label(t)) for t in types), key=lambda p: p[1])

