"""History import with the optional `themes` column (主题, issue 13 point 5)."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from marketplace.applications.models import Application, ApplicationTheme
from marketplace.extensions import db
from marketplace.history.rows import COLUMNS
from marketplace.history.services import import_history
from marketplace.rounds.models import Round
from tests.history.test_import import SAMPLE, sample_rows, to_csv


def _with_themes(rows: list[dict], header: str = "themes") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*COLUMNS, header], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _themes_of(title: str) -> list[str]:
    return db.session.scalar(select(Application).where(Application.title == title)).themes


def test_a_file_without_the_column_imports_as_before(app):
    report = import_history(None, SAMPLE.read_bytes())
    assert report.ok
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(ApplicationTheme)) == 0
    assert all(r.themes == [] for r in db.session.scalars(select(Round)))


def test_the_themes_column_tags_projects_and_gives_the_round_its_themes(app):
    rows = sample_rows()
    for row in rows:
        row["themes"] = ""
    rows[0]["themes"] = "文明创建; 建党百年"
    rows[1]["themes"] = "文明创建；文明创建"  # a full-width separator; a repeat counts once
    report = import_history(None, _with_themes(rows))
    assert report.ok, report.problems
    db.session.commit()
    assert _themes_of(rows[0]["project_title"]) == ["文明创建", "建党百年"]
    assert _themes_of(rows[1]["project_title"]) == ["文明创建"]
    assert _themes_of(rows[2]["project_title"]) == []
    year = int(rows[0]["round_year"])
    round_ = db.session.scalar(select(Round).where(Round.year == year))
    assert "文明创建" in round_.themes


def test_the_chinese_header_is_understood(app):
    rows = sample_rows()
    for row in rows:
        row["主题"] = ""
    rows[0]["主题"] = "文明创建"
    assert import_history(None, _with_themes(rows, header="主题")).ok
    db.session.commit()
    assert _themes_of(rows[0]["project_title"]) == ["文明创建"]


def test_a_too_long_theme_is_reported_with_its_line_and_nothing_is_written(app):
    rows = sample_rows()
    for row in rows:
        row["themes"] = ""
    rows[2]["themes"] = "很" * 41
    report = import_history(None, _with_themes(rows))
    assert not report.ok
    assert [(p.line, p.column) for p in report.problems] == [(4, "themes")]
    assert db.session.scalar(select(db.func.count()).select_from(Application)) == 0


def test_the_plain_file_still_imports_with_to_csv(app):
    assert import_history(None, to_csv(sample_rows())).ok
