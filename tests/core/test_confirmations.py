"""An irreversible step asks first, and the question sits where static/js/app.js reads it: on
the button that submits (or the option or radio button chosen), never on the form — a form
with 保存草稿 beside 提交评分 must ask only for the one that cannot be undone. A button for a
workflow move takes its label and its question from the table (core/workflow.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string

from marketplace.core.workflow import transition

ROOT = Path(__file__).resolve().parents[2]
TAG = re.compile(r"<(\w+)\b[^<>]*\bdata-confirm=", re.S)

IRREVERSIBLE = [
    ("application", "draft", "submitted"),
    ("application", "returned", "submitted"),
    ("application", "submitted", "withdrawn"),
    ("round", "draft", "open"),
    ("round", "open", "reviewing"),
    ("round", "reviewing", "publicity"),
    ("round", "publicity", "delivery"),
    ("review", "draft", "submitted"),
    ("review_assignment", "active", "recused"),
    ("objection", "open", "upheld"),
    ("objection", "open", "dismissed"),
    ("challenge_invitation", "pending", "declined"),
]


@pytest.mark.parametrize("move", IRREVERSIBLE, ids="-".join)
def test_an_irreversible_move_has_a_question_in_its_table(app, move):
    with app.test_request_context():
        assert str(transition(*move).confirm or "").endswith("吗？")


def test_a_move_the_table_does_not_have_cannot_be_drawn(app):
    with pytest.raises(LookupError):
        transition("round", "delivery", "open")


def test_a_confirmed_action_asks_on_the_button_that_submits(app):
    with app.test_request_context():
        html = render_template_string(
            '{% from "_macros.html" import action_button %}'
            '{{ action_button("/x", "删除", form, confirm="确定删除吗？") }}',
            form={"csrf_token": ""})
    assert TAG.findall(html) == ["button"]


def test_a_workflow_button_takes_its_label_and_question_from_the_table(app):
    with app.test_request_context():
        html = render_template_string(
            '{% from "_macros.html" import transition_button %}'
            '{{ transition_button(transition("round", "open", "reviewing"), "/start", form) }}',
            form={"csrf_token": ""})
        move = transition("round", "open", "reviewing")
        label, question = str(move.label), str(move.confirm)
    assert f'data-confirm="{question}">{label}</button>' in html


def test_no_template_puts_a_question_on_a_whole_form():
    placed = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for tag in TAG.findall(path.read_text(encoding="utf-8")):
            placed.setdefault(tag, []).append(str(path.relative_to(ROOT)))
    assert set(placed) <= {"button", "option", "input"}, placed
