"""Naming conventions a reader relies on, read from the source: a service function takes the
acting user first (`approve_application(actor, application, amount, ...)`), and a round is
`round_` (never `round`, which would shadow the builtin)."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "marketplace"
# Primitives every service calls, with the actor as a keyword (`actor=`), not services.
ACTOR_AS_KEYWORD = {"audit/services.py:record", "funds/services.py:add_entry"}


def _functions():
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield path.relative_to(PACKAGE), node


def _parameters(function) -> list[str]:
    arguments = function.args
    return [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]


def test_the_actor_comes_first():
    wrong = []
    for path, function in _functions():
        parameters = [p for p in _parameters(function) if p not in ("self", "cls")]
        name = f"{path}:{getattr(function, 'name', 'lambda')}"
        if "actor" in parameters and parameters[0] != "actor" and name not in ACTOR_AS_KEYWORD:
            wrong.append(f"{name} ({', '.join(parameters)})")
    assert wrong == []


def test_a_round_is_never_called_round():
    wrong = []
    for path, function in _functions():
        if "round" in _parameters(function):
            wrong.append(f"{path}:{function.lineno} parameter")
        body = function.body if isinstance(function.body, list) else [function.body]
        for node in (n for statement in body for n in ast.walk(statement)):
            if isinstance(node, ast.Name) and node.id == "round" \
                    and isinstance(node.ctx, ast.Store):
                wrong.append(f"{path}:{node.lineno} variable")
    assert wrong == []
