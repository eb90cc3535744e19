"""Migration 0010a: introductions stored as sanitised HTML become the Markdown that renders
the same way; plain text stays; the new columns start empty."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from marketplace.core.markdown import render_markdown
from marketplace.extensions import db
from tests.migrations import insert_row

BEFORE = "0009a_tranches_ledger"
HTML = ("<h3>申报须知</h3><p>面向全市<strong>志愿服务组织</strong>征集项目，"
        "详见<a href=\"https://example.org/a_b\">通知</a>。<br>第二行 *星号*</p>"
        "<ul><li>公开申报</li><li>主办方命题</li></ul><p>1. 不是列表</p>")


def test_html_introductions_become_markdown_that_renders_the_same(fresh_app):
    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        html_round = insert_row(conn, "round", year=2025, title="旧集市", status="open",
                                introduction=HTML)
        text_round = insert_row(conn, "round", year=2024, title="纯文本", status="closed",
                                introduction="只有文字，*不是强调*")
        insert_row(conn, "user", email="o@example.org", name="o", session_token="t")
    upgrade()
    with db.engine.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT id, introduction FROM round")).all())
        details = conn.execute(sa.text(
            "SELECT document_number, supervision_phone FROM round")).all()
        mobiles = conn.execute(sa.text('SELECT mobile FROM "user"')).scalars().all()
    markdown = rows[html_round]
    assert "<" not in markdown.replace("\\<", "")
    html = str(render_markdown(markdown))
    for part in ("<h3>申报须知</h3>", "<strong>志愿服务组织</strong>",
                 '<a href="https://example.org/a_b"', "<li>公开申报</li>", "<br>",
                 "第二行 *星号*", "<p>1. 不是列表</p>"):
        assert part in html, (part, html)
    assert rows[text_round] == "只有文字，*不是强调*"
    assert details == [("", ""), ("", "")] and mobiles == [""]
    downgrade(revision=BEFORE)
