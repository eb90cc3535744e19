"""A history file costs at most MAX_ROWS rows of work, whatever it holds: the header is
checked first, a longer file is refused as soon as its row MAX_ROWS + 1 is reached, and the
empty rows spreadsheets keep after the data end the table instead of being read."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from marketplace.accounts.models import Role
from marketplace.history import rows as reader
from marketplace.history.rows import BLANK_ROWS_END_TABLE, COLUMNS, MAX_ROWS, read_table
from marketplace.history.services import import_history
from tests.factories import make_user

SAMPLE = Path(__file__).resolve().parents[2] / "marketplace" / "history" / "data" / \
    "history_sample.csv"
EMPTY_ROWS = 600_000
# Generous: each of these files is read in about 0.02 s; before the limits, in 6 to 30 s.


def sample_rows() -> list[list[str]]:
    return [[row[c] for c in COLUMNS]
            for row in csv.DictReader(io.StringIO(SAMPLE.read_text(encoding="utf-8")))]


def xlsx(rows: list[list], extra_rows: str = "", stated_rows: int | None = None,
         header: list[str] = COLUMNS) -> bytes:
    """An XLSX file of `rows` (after the header), then the raw XML `extra_rows`; its
    <dimension> states `stated_rows` rows (default: every row it holds)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    held = 1 + len(rows) + extra_rows.count("<row ")
    stated = held if stated_rows is None else stated_rows
    packed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as source, \
            zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                text = data.decode().replace("</sheetData>", extra_rows + "</sheetData>")
                text = re.sub(r'<dimension ref="[^"]*" ?/>', f'<dimension ref="A1:K{stated}"/>',
                              text)
                data = text.encode()
            target.writestr(member.filename, data)
    return packed.getvalue()


def empty_rows(first: int, count: int) -> str:
    """What a spreadsheet writes for formatted rows that hold nothing."""
    return "".join(f'<row r="{n}" spans="1:11"/>' for n in range(first, first + count))


def filled_rows(count: int) -> str:
    """Rows that each hold a project title and nothing else (bad rows, but rows)."""
    return "".join(f'<row r="{n}"><c r="C{n}" t="inlineStr"><is><t>渔嫂课堂</t></is></c></row>'
                   for n in range(2, 2 + count))


@pytest.fixture
def rows_read(monkeypatch) -> dict:
    """How many sheet rows openpyxl hands over (each XLSX is read twice: saved values and
    formulas)."""
    count = {"rows": 0}
    original = ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            count["rows"] += 1
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    return count


@pytest.fixture
def csv_lines_read(monkeypatch) -> dict:
    """How many lines (records) the CSV reader hands over."""
    count = {"lines": 0}
    original = csv.reader

    class Counting:
        def __init__(self, *args, **kwargs):
            self.reader = original(*args, **kwargs)

        def __iter__(self):
            return self

        def __next__(self):
            values = next(self.reader)
            count["lines"] += 1
            return values

        @property
        def line_num(self) -> int:
            return self.reader.line_num

    monkeypatch.setattr(reader.csv, "reader", Counting)
    return count


def test_empty_rows_after_the_data_are_not_read(rows_read):
    data = xlsx(sample_rows(), empty_rows(8, EMPTY_ROWS))
    assert len(data) < 2 * 1024 * 1024  # small on disk

    table = read_table(data)

    assert [line for line, _ in table] == [2, 3, 4, 5, 6, 7]
    assert rows_read["rows"] <= 2 * (1 + 6 + BLANK_ROWS_END_TABLE), rows_read


def test_rows_past_the_size_a_sheet_states_are_read():
    """A program may write a wrong <dimension>; the rows the sheet holds count."""
    assert len(read_table(xlsx(sample_rows(), stated_rows=2))) == 6


def test_a_file_with_more_data_rows_than_the_limit_is_refused_at_the_first_row_too_many(
        rows_read):
    data = xlsx([], filled_rows(20 * MAX_ROWS))
    assert len(data) < 1024 * 1024

    with pytest.raises(reader.HistoryFileError) as refused:
        read_table(data)

    assert f"第 {MAX_ROWS + 2} 行超出上限" in str(refused.value)
    assert f"最多 {MAX_ROWS} 行数据" in str(refused.value)
    assert rows_read["rows"] <= 2 * (1 + MAX_ROWS + 1), rows_read


def test_blank_rows_between_data_rows_are_bounded_too(rows_read):
    """Data rows 999 blank rows apart never end the table; they must not make the reader
    walk millions of rows either."""
    gap = BLANK_ROWS_END_TABLE - 1
    spaced = "".join(f'<row r="{n}"><c r="C{n}" t="inlineStr"><is><t>渔嫂课堂</t></is></c></row>'
                     for n in range(2, 2 + MAX_ROWS * (gap + 1), gap + 1))
    data = xlsx([], spaced)

    with pytest.raises(reader.HistoryFileError, match=f"数据行之间最多 {MAX_ROWS} 个空行"):
        read_table(data)

    assert rows_read["rows"] <= 2 * (1 + 2 * MAX_ROWS + BLANK_ROWS_END_TABLE), rows_read


def test_the_header_is_checked_before_any_data_row_is_read(rows_read):
    data = xlsx(sample_rows(), empty_rows(8, EMPTY_ROWS),
                header=["year", *COLUMNS[1:]])
    with pytest.raises(reader.HistoryFileError, match="缺少列：round_year"):
        read_table(data)
    assert rows_read["rows"] <= 2


def test_a_csv_with_trailing_empty_lines_reads_only_its_data(csv_lines_read):
    text = SAMPLE.read_text(encoding="utf-8") + ",,,,,,,,,,\n" * EMPTY_ROWS
    table = read_table(text.encode())
    assert len(table) == 6 and csv_lines_read["lines"] == 1 + 6 + BLANK_ROWS_END_TABLE


def test_a_csv_with_more_data_rows_than_the_limit_is_refused_without_reading_it_all(
        csv_lines_read):
    line = SAMPLE.read_text(encoding="utf-8").splitlines()[1]
    text = ",".join(COLUMNS) + "\n" + (line + "\n") * 4 * MAX_ROWS

    with pytest.raises(reader.HistoryFileError, match=f"第 {MAX_ROWS + 2} 行超出上限"):
        read_table(text.encode())
    assert csv_lines_read["lines"] == 1 + MAX_ROWS + 1


def test_a_file_of_exactly_the_limit_is_read():
    line = SAMPLE.read_text(encoding="utf-8").splitlines()[1]
    text = ",".join(COLUMNS) + "\n" + (line + "\n") * MAX_ROWS
    assert len(read_table(text.encode())) == MAX_ROWS


def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_it_is_opened():
    # One cell of 24 MB: 24 KB packed; openpyxl would hold it whole, twice.
    big = f'<row r="8"><c r="A8" t="inlineStr"><is><t>{"x" * 24 * 1024 * 1024}</t></is></c></row>'
    data = xlsx(sample_rows(), big)
    assert len(data) < 1024 * 1024

    with pytest.raises(reader.HistoryFileError, match="XLSX 文件解压后超过 20 MB"):
        read_table(data)


def test_the_upload_page_answers_a_too_long_file_with_the_limit_reading_only_that_far(
        app, login_as, rows_read):
    """Bounded by rows read, not by seconds: a timed test fails on a busy machine."""
    client = login_as(make_user(roles=[Role.ORGANIZER]))
    html = client.get("/history/import").get_data(as_text=True)
    assert f"最多 {MAX_ROWS} 行数据" in html

    data = xlsx([], filled_rows(20 * MAX_ROWS))
    page = client.post("/history/import", data={"file": (io.BytesIO(data), "h.xlsx")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and 'data-testid="import-problems"' in html
    assert f"最多 {MAX_ROWS} 行数据" in html
    assert rows_read["rows"] <= 2 * (1 + MAX_ROWS + 1), rows_read


def test_a_file_with_empty_rows_after_its_data_imports(app):
    report = import_history(None, xlsx(sample_rows(), empty_rows(8, EMPTY_ROWS)))
    assert report.ok and report.new == 6
