"""History import: all or nothing, every bad row reported with line and column, idempotent."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.extensions import db
from marketplace.funds.models import Award, AwardStatus
from marketplace.history.rows import COLUMNS
from marketplace.history.services import import_history
from marketplace.organisations.models import Organisation, OrganisationStatus
from marketplace.rounds.models import Challenge, Round, RoundStatus
from tests.factories import make_round, make_user, valid_uscc

SAMPLE = Path(__file__).resolve().parents[2] / "marketplace" / "history" / "data" / \
    "history_sample.csv"


def sample_rows() -> list[dict]:
    return list(csv.DictReader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))


def to_csv(rows: list[dict], bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[dict]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def counts() -> dict:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Round, Challenge, Organisation, Application, Award)}


NOTHING = {"Round": 0, "Challenge": 0, "Organisation": 0, "Application": 0, "Award": 0}


def test_sample_file_creates_closed_rounds_orgs_applications_and_awards(app):
    report = import_history(None, SAMPLE.read_bytes())
    db.session.commit()
    assert report.ok and (report.new, report.unchanged) == (6, 0)
    assert counts() == {"Round": 2, "Challenge": 1, "Organisation": 4, "Application": 6,
                        "Award": 5}
    rounds = db.session.scalars(select(Round).order_by(Round.year)).all()
    assert [(r.year, r.status, r.imported) for r in rounds] == [
        (2018, RoundStatus.CLOSED, True), (2019, RoundStatus.CLOSED, True)]
    assert rounds[1].title == "2019年志愿服务集市创投项目"
    org = db.session.scalar(select(Organisation).where(Organisation.uscc == "523309226120003190"))
    assert org.status == OrganisationStatus.VERIFIED and org.imported
    bid = db.session.scalar(select(Application).where(Application.title == "文明礼让我先行"))
    assert bid.challenge.title == "斑马线守护" and bid.pool_id is None
    assert bid.status == ApplicationStatus.AWARDED and bid.requested_fen == 2_500_000
    award = db.session.scalar(select(Award).where(Award.application_id == bid.id))
    assert (award.amount_fen, award.status, award.imported) == (2_500_000, AwardStatus.AWARDED,
                                                                True)
    assert award.awarded_at is not None
    rejected = db.session.scalar(select(Application).where(Application.title == "海岛支教"))
    assert rejected.status == ApplicationStatus.REJECTED
    assert db.session.scalar(select(Award).where(Award.application_id == rejected.id)) is None


def test_reimporting_the_same_file_changes_nothing_and_says_so(app):
    import_history(None, SAMPLE.read_bytes())
    db.session.commit()
    before = counts()
    report = import_history(None, SAMPLE.read_bytes())
    db.session.commit()
    assert report.ok and (report.new, report.unchanged) == (0, 6)
    assert "0" in report.summary() and "6" in report.summary()
    assert counts() == before


def test_csv_with_byte_order_mark_imports(app):
    report = import_history(None, to_csv(sample_rows(), bom=True))
    assert report.ok and report.new == 6


def test_xlsx_imports_like_csv(app):
    report = import_history(None, to_xlsx(sample_rows()))
    db.session.commit()
    assert report.ok, report.problems
    assert counts()["Award"] == 5
    assert import_history(None, SAMPLE.read_bytes()).unchanged == 6  # same rows as the CSV


def test_dry_run_writes_nothing(app):
    report = import_history(None, SAMPLE.read_bytes(), dry_run=True)
    db.session.commit()
    assert report.ok and report.new == 6 and report.rounds == 2
    assert counts() == NOTHING


# (column, bad value, row index in the sample) -> the problem reported for that cell
BAD_CELLS = {
    "uscc_check_character": ("organization_uscc", "52330903612000079X", 0, "校验码"),
    "uscc_missing": ("organization_uscc", "", 0, "不能为空"),
    "uscc_too_short": ("organization_uscc", "5233090361200007", 0, "18 位"),
    "amount_three_decimals": ("requested_amount", "20000.001", 0, "两位小数"),
    "amount_not_positive": ("requested_amount", "-5", 0, "正数"),
    "amount_not_a_number": ("awarded_amount", "一万", 0, "正数"),
    "awarded_more_than_requested": ("awarded_amount", "25000.00", 0, "大于申请金额"),
    "awarded_missing_for_awarded": ("awarded_amount", "", 0, "须填写立项金额"),
    "awarded_present_for_rejected": ("awarded_amount", "100.00", 2, "不能有立项金额"),
    "unknown_status": ("status", "funded", 0, "未知状态"),
    "empty_title": ("project_title", "  ", 0, "不能为空"),
    "empty_category": ("category", "", 0, "不能为空"),
    "empty_region": ("region", "", 0, "不能为空"),
    "year_not_a_year": ("round_year", "二〇一八", 0, "不是年份"),
    "year_out_of_range": ("round_year", "218", 0, "不是年份"),
}


@pytest.mark.parametrize("kind", BAD_CELLS)
def test_bad_row_is_reported_with_line_and_column_and_nothing_is_written(app, kind):
    column, value, index, words = BAD_CELLS[kind]
    rows = sample_rows()
    rows[index][column] = value
    report = import_history(None, to_csv(rows))
    db.session.commit()
    assert not report.ok
    assert [(p.line, p.column) for p in report.problems] == [(index + 2, column)]
    assert words in report.problems[0].reason
    assert counts() == NOTHING


def test_same_uscc_with_two_names_in_one_file_is_refused(app):
    rows = sample_rows()
    rows[3]["organization_name"] = "普陀区海韵志愿服务队（改名）"  # line 5; line 2 has the name
    report = import_history(None, to_csv(rows))
    assert [(p.line, p.column) for p in report.problems] == [(5, "organization_name")]
    assert "第 2 行" in report.problems[0].reason
    assert counts() == NOTHING


def test_every_bad_row_is_reported_not_just_the_first(app):
    rows = sample_rows()
    rows[0]["status"] = "?"
    rows[2]["region"] = ""
    rows[5]["requested_amount"] = "0"
    rows[5]["round_year"] = "19"
    report = import_history(None, to_csv(rows))
    assert [(p.line, p.column) for p in report.problems] == [
        (2, "status"), (4, "region"), (7, "round_year"), (7, "requested_amount")]
    assert counts() == NOTHING


def test_missing_column_refuses_the_file(app):
    data = SAMPLE.read_text(encoding="utf-8").replace("status\n", "state\n", 1).encode()
    report = import_history(None, data)
    assert [(p.line, p.column) for p in report.problems] == [(1, "")]
    assert "status" in report.problems[0].reason


def test_a_file_that_is_neither_csv_text_nor_xlsx_is_refused(app):
    assert not import_history(None, b"\x89PNG\r\n\x1a\n\x00\x00\x00binary").ok
    assert not import_history(None, "年份".encode("gb18030") + b"\xff\xfe").ok
    assert not import_history(None, b"PK\x03\x04not really a zip").ok
    assert counts() == NOTHING


def test_a_year_with_a_live_round_is_not_imported_over(app):
    make_round(year=2019)
    report = import_history(None, SAMPLE.read_bytes())
    assert {(p.line, p.column) for p in report.problems} == {
        (5, "round_year"), (6, "round_year"), (7, "round_year")}
    assert counts()["Application"] == 0


def test_an_imported_row_that_changed_is_reported_not_overwritten(app):
    import_history(None, SAMPLE.read_bytes())
    db.session.commit()
    rows = sample_rows()
    rows[0]["awarded_amount"] = "16000.00"
    report = import_history(None, to_csv(rows))
    assert [(p.line, p.column) for p in report.problems] == [(2, "project_title")]


def test_formula_text_is_stored_as_it_is(app):
    rows = sample_rows()
    rows[0]["project_title"] = '=HYPERLINK("http://evil.example","点我")'
    rows[0]["organization_name"] = "+海韵志愿服务队"
    for row in rows:
        if row["organization_uscc"] == rows[0]["organization_uscc"]:
            row["organization_name"] = "+海韵志愿服务队"
    assert import_history(None, to_csv(rows)).ok
    db.session.commit()
    titles = db.session.scalars(select(Application.title)).all()
    assert '=HYPERLINK("http://evil.example","点我")' in titles


def test_formula_text_is_neutralised_in_the_csv_and_xlsx_exports(app, login_as):
    rows = sample_rows()
    rows[0]["project_title"] = '=HYPERLINK("http://evil.example","点我")'
    assert import_history(None, to_csv(rows)).ok
    db.session.commit()
    client = login_as(make_user(roles=[Role.ORGANIZER]))

    text = client.get("/history/export.csv").get_data(as_text=True).lstrip("\ufeff")
    exported = list(csv.DictReader(io.StringIO(text)))
    assert exported[0]["project_title"] == "'=HYPERLINK(\"http://evil.example\",\"点我\")"
    assert len(exported) == 6 and exported[0]["awarded_amount"] == "15000.00"

    sheet = load_workbook(io.BytesIO(client.get("/history/export.xlsx").data)).active
    values = [c.value for c in sheet[2]]
    assert values[2] == "'=HYPERLINK(\"http://evil.example\",\"点我\")"
    assert all(not (isinstance(v, str) and v.startswith("=")) for row in sheet.iter_rows(
        values_only=True) for v in row)


def test_the_exported_file_imports_back_as_unchanged(app, login_as):
    assert import_history(None, SAMPLE.read_bytes()).ok
    db.session.commit()
    client = login_as(make_user(roles=[Role.ORGANIZER]))
    assert import_history(None, client.get("/history/export.xlsx").data).unchanged == 6


def test_checking_a_file_against_the_database_takes_the_same_queries_whatever_its_size(
        app, count_queries):
    demo = SAMPLE.with_name("history_demo.csv").read_bytes()
    import_history(None, SAMPLE.read_bytes())
    db.session.commit()
    with count_queries() as small:
        assert import_history(None, SAMPLE.read_bytes(), dry_run=True).unchanged == 6
    db.session.rollback()  # as after every dry run, so each run takes the import lock afresh
    with count_queries() as large:
        report = import_history(None, demo, dry_run=True)
    assert report.ok and (report.new, report.unchanged) == (48, 6)
    assert large.count == small.count <= 5


def test_formula_in_an_xlsx_cell_is_stored_as_its_text(app):
    rows = sample_rows()
    rows[1]["project_title"] = '=HYPERLINK("http://evil.example","点我")'
    assert import_history(None, to_xlsx(rows)).ok  # openpyxl writes it as a formula cell
    db.session.commit()
    assert '=HYPERLINK("http://evil.example","点我")' in db.session.scalars(
        select(Application.title)).all()


def test_a_later_file_adds_to_the_imported_round_and_its_challenge(app):
    import_history(None, SAMPLE.read_bytes())
    db.session.commit()
    rows = sample_rows()
    extra = dict(rows[4], project_title="斑马线守护（二队）", organization_name="新城青年突击队",
                 organization_uscc=valid_uscc(), awarded_amount="10000.00")
    report = import_history(None, to_csv([*rows, extra]))
    db.session.commit()
    assert report.ok and (report.new, report.unchanged, report.rounds, report.challenges) == (
        1, 6, 0, 0)
    assert counts()["Challenge"] == 1 and counts()["Round"] == 2
    assert db.session.scalar(select(func.count()).select_from(Application).where(
        Application.challenge_id.is_not(None))) == 2


def test_a_uscc_in_a_number_cell_is_reported_as_one_to_type_as_text(app):
    """Excel keeps 15 significant digits of a number: an all-digit USCC typed into a number
    cell has lost digits, so the row says to type it as text (not "wrong check character")."""
    rows = sample_rows()
    digits = "913309001234567890"  # all digits, 18 of them
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for i, row in enumerate(rows[:3]):
        values = [row[c] for c in COLUMNS]
        if i == 0:
            values[COLUMNS.index("organization_uscc")] = float(digits)  # as Excel stores it
        elif i == 1:
            values[COLUMNS.index("organization_uscc")] = int(digits) + 10**6
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)

    report = import_history(None, out.getvalue())
    db.session.commit()
    assert counts() == NOTHING
    problems = [(p.line, p.column) for p in report.problems]
    assert problems == [(2, "organization_uscc"), (3, "organization_uscc")], report.problems
    for problem in report.problems:
        assert problem.reason.startswith("统一社会信用代码请以文本格式填写")
        assert "校验" not in problem.reason


def test_a_uscc_a_spreadsheet_saved_as_a_number_in_a_csv_is_reported_likewise(app):
    rows = sample_rows()
    rows[0]["organization_uscc"] = "9.13302E+17"
    report = import_history(None, to_csv(rows))
    assert [(p.line, p.column) for p in report.problems] == [(2, "organization_uscc")]
    assert report.problems[0].reason.startswith("统一社会信用代码请以文本格式填写")
