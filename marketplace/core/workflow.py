"""States are data (CONVENTIONS.md, "States are data").

Every entity with a lifecycle has one `Workflow`: its states (an enum), the transitions between
them, and for each transition who may make it (a policy function), the audit action, the label
a page shows for it and the question an irreversible step asks first. `Workflow.move` is the one
place a status is written: it checks the table and the policy, writes the status, records one
audit entry for the object and runs the transition's mail hook. A bulk change (start of review,
立项) moves each object through `move`, so each gets its own audit entry.

The domain that owns an entity declares its workflow (`<domain>/workflow.py`); a domain above it
adds the rows it brings with `Workflow.add` — review adds in_review → approved to the
application's table — so the table a page reads from is the whole lifecycle, and a test checks
that every state is reachable and every state that is not final can be left.

    APPLICATION = Workflow("application", ApplicationStatus, initial={S.DRAFT}, ...)
    APPLICATION.add(Transition(S.DRAFT, S.SUBMITTED, "application.submit", policy.can_submit,
                               label=_l("提交申报"), mail=_mail_submitted))
    ...
    APPLICATION.move(actor, application, S.SUBMITTED, now=now)
    for t in APPLICATION.next_actions(user, application): ...   # the page's buttons
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask_babel import lazy_gettext as _l

from marketplace.core.policy import ALLOW, Decision, NotAllowed, deny

S = TypeVar("S", bound=enum.Enum)

# who(actor, obj, **context) -> Decision; mail(actor, obj, **context) -> None
Who = Callable[..., Decision]
Mail = Callable[..., None]


def anyone(actor, obj, **context) -> Decision:
    """For transitions whose permission the calling service has already decided (a system
    step such as the end of 公示, or a check that needs the whole batch)."""
    return ALLOW


@dataclass(frozen=True)
class Transition(Generic[S]):
    source: S
    target: S
    action: str                  # the audit action, e.g. "application.submit"
    who: Who = anyone            # the policy deciding whether this actor may, now
    label: Any = ""              # what a button for it says (lazy string)
    mail: Mail | None = None     # queues the mails the move causes
    confirm: Any = None          # irreversible: the question asked before doing it
    endpoint: str | None = None  # the view that performs it, for pages listing actions


@dataclass
class Workflow(Generic[S]):
    """The lifecycle of one entity: `states`, where it starts, where it ends, and the moves."""

    name: str
    states: type[S]
    initial: frozenset[S]
    final: frozenset[S] = frozenset()
    attribute: str = "status"
    audited: bool = True  # an outbox message's delivery state is not an audited change
    _table: dict[S, dict[S, Transition[S]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.initial = frozenset(self.initial)
        self.final = frozenset(self.final)
        REGISTRY[self.name] = self

    # --- the table ---------------------------------------------------------------------------

    def add(self, *transitions: Transition[S]) -> None:
        """Add rows (a domain above the owner adds the moves it brings). A row that is
        already there with the same action is accepted again (a module imported twice); a
        different row for the same move is a mistake."""
        for t in transitions:
            if not isinstance(t.source, self.states) or not isinstance(t.target, self.states):
                raise TypeError(f"{self.name}: {t.source!r} → {t.target!r} are not its states")
            row = self._table.setdefault(t.source, {})
            existing = row.get(t.target)
            if existing is not None and existing.action != t.action:
                raise ValueError(f"{self.name}: {t.source.value} → {t.target.value} is "
                                 f"already {existing.action!r}")
            row[t.target] = t

    def rule(self, source: S, target: S) -> Transition[S] | None:
        return self._table.get(source, {}).get(target)

    def transitions(self) -> list[Transition[S]]:
        return [t for row in self._table.values() for t in row.values()]

    def leaving(self, source: S) -> list[Transition[S]]:
        return list(self._table.get(source, {}).values())

    def unreachable(self) -> set[S]:
        """States nothing leads to (that are not where the entity starts)."""
        reached = {t.target for t in self.transitions()} | set(self.initial)
        return set(self.states) - reached

    def dead_ends(self) -> set[S]:
        """States that are not final and have no way out."""
        return {s for s in self.states if s not in self.final and not self._table.get(s)}

    # --- asking and moving ----------------------------------------------------------------------

    def state_of(self, obj) -> S:
        return getattr(obj, self.attribute)

    def may(self, actor, obj, target: S, **context) -> Decision:
        """Whether `actor` may move `obj` to `target` now (the table, then the policy)."""
        rule = self.rule(self.state_of(obj), target)
        if rule is None:
            return deny(self._not_in_table(self.state_of(obj), target))
        return rule.who(actor, obj, **context)

    def next_actions(self, actor, obj, **context) -> list[Transition[S]]:
        """The moves `actor` may make now, in the table's order: what a page offers."""
        return [t for t in self.leaving(self.state_of(obj)) if t.who(actor, obj, **context)]

    def move(self, actor, obj, target: S, *, check: bool = True, audit: dict | None = None,
             audit_before: dict | None = None, action: str | None = None,
             **context) -> Transition[S]:
        """Move `obj` to `target`: refused (NotAllowed, nothing changed) unless the table has
        the move and, with `check`, its policy allows `actor`. Writes the status, one audit
        entry (`audit` adds to what it records after the move, `audit_before` to what it
        records before, e.g. a field the move's service changes alongside the status) and the
        transition's mails; never commits. `action` names the audit entry instead of the
        row's when the service makes the move as part of a larger change that has its own
        name (a changed decision is `decision.change` whichever row it takes)."""
        source = self.state_of(obj)
        rule = self.rule(source, target)
        if rule is None:
            raise NotAllowed(self._not_in_table(source, target))
        if check:
            decision = rule.who(actor, obj, **context)
            if not decision:
                raise NotAllowed(decision.reason)
        setattr(obj, self.attribute, target)
        if self.audited:
            _recorder()(action or rule.action, obj, actor=actor,
                        before={self.attribute: source, **(audit_before or {})},
                        after={self.attribute: target, **(audit or {})})
        if rule.mail is not None:
            rule.mail(actor, obj, **context)
        return rule

    def move_all(self, actor, objects: Iterable, target: S, **kwargs) -> int:
        """Move each object (each gets its own audit entry); returns how many moved."""
        moved = 0
        for obj in objects:
            self.move(actor, obj, target, **kwargs)
            moved += 1
        return moved

    def _not_in_table(self, source: S, target: S) -> str:
        return str(_l("当前状态“%(source)s”不能改为“%(target)s”。",
                      source=_label(source), target=_label(target)))


def _label(state: enum.Enum) -> str:
    return str(getattr(state, "label", state.value))


REGISTRY: dict[str, Workflow] = {}


def transition(workflow: str, source, target) -> Transition:
    """The table's row for a move, by workflow name and states (enum members or their values):
    what a page needs to draw its button — the label and the question it asks first
    (`transition("review", "draft", "submitted").confirm`). A template global."""
    table = REGISTRY[workflow]
    rule = table.rule(table.states(getattr(source, "value", source)),
                      table.states(getattr(target, "value", target)))
    if rule is None:
        raise LookupError(f"{workflow}: no move {source} → {target}")
    return rule

# The audit domain sits above core: it hands its `record` over when it is imported (it always
# is, with the models), instead of core importing upward.
_RECORDER: list[Callable[..., Any]] = []


def set_recorder(record: Callable[..., Any]) -> None:
    _RECORDER[:] = [record]


def _recorder() -> Callable[..., Any]:
    if not _RECORDER:
        raise RuntimeError("no audit recorder: marketplace.audit.services was not imported")
    return _RECORDER[0]
