"""The organizer upload page and `flask history import`."""
from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.applications.models import Application
from marketplace.extensions import db
from marketplace.history import forms
from tests.factories import make_user

SAMPLE = Path(__file__).resolve().parents[2] / "marketplace" / "history" / "data" / \
    "history_sample.csv"


def applications() -> int:
    return db.session.scalar(select(func.count()).select_from(Application))


def upload(client, data: bytes, name: str = "history.csv", dry_run: bool = False):
    form = {"file": (io.BytesIO(data), name)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/history/import", data=form, content_type="multipart/form-data")


def test_only_organizers_may_open_the_import_page(app, login_as):
    assert app.test_client().get("/history/import").status_code == 302  # to the login page
    assert login_as(make_user()).get("/history/import").status_code == 404
    assert login_as(make_user(roles=[Role.FINANCE])).get("/history/import").status_code == 404
    assert login_as(make_user(roles=[Role.ORGANIZER])).get("/history/import").status_code == 200


def test_member_cannot_post_an_import_or_export(app, login_as):
    client = login_as(make_user())
    assert upload(client, SAMPLE.read_bytes()).status_code == 404
    assert client.get("/history/export.csv").status_code == 404
    assert applications() == 0


def test_organizer_upload_imports_and_says_what_changed(app, login_as):
    client = login_as(make_user(roles=[Role.ORGANIZER]))
    page = upload(client, SAMPLE.read_bytes())
    assert page.status_code == 200 and "新增 6 条，未变 0 条" in page.get_data(as_text=True)
    db.session.expire_all()
    assert applications() == 6
    again = upload(client, SAMPLE.read_bytes()).get_data(as_text=True)
    assert "新增 0 条，未变 6 条" in again


def test_upload_page_shows_every_problem_as_a_table_and_writes_nothing(app, login_as):
    client = login_as(make_user(roles=[Role.ORGANIZER]))
    bad = SAMPLE.read_text(encoding="utf-8").replace("52330903612000079L", "52330903612000079X")
    html = upload(client, bad.encode()).get_data(as_text=True)
    assert 'data-testid="import-problems"' in html
    problems = html[html.index('data-testid="import-problems"'):]
    assert problems.count("<code>organization_uscc</code>") == 2  # lines 2 and 5
    assert "<td>2</td>" in html and "<td>5</td>" in html
    assert applications() == 0


def test_upload_dry_run_writes_nothing(app, login_as):
    client = login_as(make_user(roles=[Role.ORGANIZER]))
    html = upload(client, SAMPLE.read_bytes(), dry_run=True).get_data(as_text=True)
    assert "试导入" in html and applications() == 0


def test_upload_refuses_other_file_types_by_name_and_by_content(app, login_as):
    client = login_as(make_user(roles=[Role.ORGANIZER]))
    html = upload(client, SAMPLE.read_bytes(), name="history.exe").get_data(as_text=True)
    assert "只接受 CSV 或 XLSX 文件" in html
    html = upload(client, b"\x7fELF\x02\x01\x01\x00\x00\x00", name="h.csv").get_data(as_text=True)
    assert "文件不是 CSV 文本或 XLSX 表格" in html
    assert applications() == 0


def test_upload_refuses_a_file_over_the_size_limit(app, login_as, monkeypatch):
    monkeypatch.setattr(forms, "MAX_BYTES", 100)
    monkeypatch.setattr("marketplace.history.views.MAX_BYTES", 100)
    client = login_as(make_user(roles=[Role.ORGANIZER]))
    html = upload(client, SAMPLE.read_bytes()).get_data(as_text=True)
    assert "文件太大" in html and applications() == 0


def test_upload_needs_the_csrf_token(app, login_as):
    client = login_as(make_user(roles=[Role.ORGANIZER]))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert upload(client, SAMPLE.read_bytes()).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert applications() == 0


def test_cli_imports_then_reports_unchanged(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["history", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "6 new, 0 unchanged" in result.output
    result = runner.invoke(args=["history", "import", str(SAMPLE)])
    assert result.exit_code == 0 and "0 new, 6 unchanged" in result.output
    assert applications() == 6


def test_cli_dry_run_writes_nothing(app):
    result = app.test_cli_runner().invoke(args=["history", "import", "--dry-run", str(SAMPLE)])
    assert result.exit_code == 0 and "dry run" in result.output and "6 new" in result.output
    db.session.expire_all()
    assert applications() == 0


def test_cli_exits_non_zero_and_lists_every_bad_row(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(SAMPLE.read_text(encoding="utf-8").replace("awarded\n", "won\n"),
                   encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["history", "import", str(bad)])
    assert result.exit_code == 1
    for line in (2, 3, 5, 6, 7):
        assert f"line {line}, status:" in result.output
    assert applications() == 0


def test_import_page_lists_every_column_with_its_meaning_and_offers_the_template(app, login_as):
    from marketplace.history.rows import COLUMN_HELP, COLUMNS

    client = login_as(make_user(roles=[Role.ORGANIZER]))
    html = client.get("/history/import").get_data(as_text=True)
    assert 'data-testid="import-columns"' in html and 'href="/history/template.csv"' in html
    for column in COLUMNS:
        assert f"<code>{column}</code>" in html
        assert str(COLUMN_HELP[column]) in html


def test_template_is_a_csv_with_the_header_and_two_example_rows_that_import(app, login_as):
    import csv

    client = login_as(make_user(roles=[Role.ORGANIZER]))
    response = client.get("/history/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    from marketplace.history.rows import COLUMNS

    assert rows[0] == list(COLUMNS) and len(rows) == 3
    assert {r[COLUMNS.index("status")] for r in rows[1:]} == {"awarded", "rejected"}
    before = applications()
    page = upload(client, response.data, name="history_template.csv", dry_run=True)
    assert 'data-testid="import-problems"' not in page.get_data(as_text=True)
    assert applications() == before


def test_only_organizers_may_download_the_template(app, login_as):
    assert login_as(make_user()).get("/history/template.csv").status_code == 404
