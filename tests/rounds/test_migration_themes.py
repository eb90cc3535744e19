"""Migration 0012t_themes: existing rounds get no themes, existing applications carry none;
it goes down again."""
from __future__ import annotations

import json

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from marketplace.extensions import db
from tests.migrations import insert_row

BEFORE = "0011i_invitations"


def test_existing_rounds_start_without_themes_and_themes_can_be_stored(fresh_app):
    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        round_id = insert_row(conn, "round", year=2025, title="旧集市", status="closed",
                              categories=["文明创建"])
    upgrade(revision="0012t_themes")
    with db.engine.begin() as conn:
        themes = conn.execute(sa.text("SELECT themes FROM round WHERE id = :id"),
                              {"id": round_id}).scalar_one()
        assert (json.loads(themes) if isinstance(themes, str) else themes) == []
        assert conn.execute(sa.text("SELECT count(*) FROM application_theme")).scalar_one() == 0
    downgrade(revision=BEFORE)
    with db.engine.connect() as conn:
        assert "themes" not in {c["name"] for c in sa.inspect(conn).get_columns("round")}
