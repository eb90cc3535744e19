"""Every audit action written anywhere has a label in both languages (audit/labels.py): the
source is read for `record("…")` calls and the workflow tables for their moves' actions, so a
new action without a label fails here and names where it is written."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import select

from marketplace.audit import labels
from marketplace.audit.models import AuditEntry
from marketplace.core import workflow
from marketplace.extensions import db

PACKAGE = Path(__file__).resolve().parents[2] / "marketplace"
HAN = re.compile(r"[\u3400-\u9fff]")
FULL_WIDTH = re.compile(r"[\u3000-\u303f\uff00-\uffef]")


def _record_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else None
            if name == "record" and node.args:
                yield node


def written_actions() -> dict[str, str]:
    """action -> where it is written: `record("…")` anywhere in the code, and every move of
    every audited workflow table."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _record_calls(tree):
            first = call.args[0]
            where = f"{path.relative_to(PACKAGE.parent)}:{call.lineno}"
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"{where}: an audit action is written as a literal, so this test can read it")
            found.setdefault(first.value, where)
    for table in workflow.REGISTRY.values():
        if table.audited:
            for move in table.transitions():
                found.setdefault(move.action, f"workflow {table.name}: {move.source.value} → "
                                              f"{move.target.value}")
    return found


def test_the_source_scan_finds_the_actions_it_should(app):
    actions = written_actions()
    # A direct call, a workflow move added by a higher domain, and one of this issue's own.
    assert {"user.set_locale", "application.approve", "invitation.accept"} <= set(actions)
    assert len(actions) > 80


def test_every_action_written_anywhere_has_a_label_in_both_languages(app):
    problems = []
    for action, where in sorted(written_actions().items()):
        if action not in labels.ACTIONS:
            problems.append(f"{action} ({where}): no label — add it to its domain's "
                            f"audit_labels.py")
            continue
        with force_locale("zh_CN"):
            chinese = str(labels.ACTIONS[action])
        with force_locale("en"):
            english = str(labels.ACTIONS[action])
        if not HAN.search(chinese):
            problems.append(f"{action}: the Chinese label {chinese!r} is not Chinese")
        if HAN.search(english) or FULL_WIDTH.search(english):
            problems.append(f"{action}: no English for {chinese!r} ({where})")
    assert not problems, "\n".join(problems)


def test_object_kinds_and_field_labels_read_in_english(app):
    problems = []
    with force_locale("en"):
        for kind in labels.KINDS.values():
            if HAN.search(str(kind.label)):
                problems.append(f"object {kind.type}: {kind.label}")
        for (object_type, name), spec in labels.FIELDS.items():
            if HAN.search(str(spec.label)):
                problems.append(f"field {object_type or '*'}.{name}: {spec.label}")
    assert not problems, "\n".join(problems)


def test_a_second_different_label_for_one_action_is_a_mistake(app):
    action = next(iter(labels.ACTIONS))
    try:
        labels.actions({action: "something else"})
    except ValueError:
        return
    raise AssertionError("a different label for a registered action was accepted")


def test_every_object_and_field_in_the_demo_log_has_a_label(demo):
    """What the demo's audit log holds — every stage of the story — reads in words: each kind
    of object and each field of its before → after is labelled."""
    problems = set()
    for entry in db.session.scalars(select(AuditEntry)):
        if entry.object_type != "-" and entry.object_type not in labels.KINDS:
            problems.add(f"object type {entry.object_type} ({entry.action})")
        for values in (entry.before or {}, entry.after or {}):
            for key in values:
                if (entry.object_type, key) not in labels.FIELDS and \
                        (None, key) not in labels.FIELDS:
                    problems.add(f"field {entry.object_type}.{key} ({entry.action})")
    assert not problems, "\n".join(sorted(problems))


def test_values_read_as_people_write_them(app):
    with force_locale("en"):
        assert labels.money(1_234_500) == "¥12,345.00"
        assert labels.money("900.00") == "¥900.00"
        # Stored UTC, shown in Beijing time.
        assert labels.plain("2026-03-31T16:30:00") == "2026-04-01 00:30"
        assert labels.plain(True) == "Yes" and labels.plain([]) == "—"
        assert labels.plain([{"item": "船票", "amount": "100.00", "key": 2}]) == "船票 ¥100.00"
        assert labels.field_of("application", "status").format("in_review") == "In review"
        assert labels.field_of("round", "total_budget_fen").format(100) == "¥1.00"
        assert labels.field_of("user", "roles").format(["reviewer"]) == "Reviewer"
