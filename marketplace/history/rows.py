"""Reading and checking a history file (CSV or XLSX, see DESIGN.md "History import").

Pure functions, no database: a file becomes a list of `HistoryRow` plus a list of
`RowProblem` (line, column, reason). The importer writes nothing unless the problem list
is empty.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from marketplace.core.money import MoneyError, to_decimal
from marketplace.organisations.services import uscc_message
from marketplace.organisations.uscc import normalise_uscc

COLUMNS = ("round_year", "round_title", "project_title", "organization_name",
           "organization_uscc", "region", "category", "challenge_title", "requested_amount",
           "awarded_amount", "status")
# Columns a file may have or not: a file without them imports as before.
OPTIONAL_COLUMNS = ("themes",)
THEME_SEPARATOR = re.compile(r"[;；]")
# What each column means, for the upload page (same order as COLUMNS).
COLUMN_HELP = {
    "round_year": _l("年度，四位数字，如 2019；同一年度的行归入同一个项目库。"),
    "round_title": _l("项目库名称；可留空，默认为“某年志愿服务集市创投项目”。"),
    "project_title": _l("项目名称，必填。"),
    "organization_name": _l("申报组织名称，必填；同一统一社会信用代码须用同一名称。"),
    "organization_uscc": _l("统一社会信用代码，18 位，必填；在 Excel 里请把这一列设为文本格式。"),
    "region": _l("县区，必填，须为本市的县区之一。"),
    "category": _l("项目类别，必填，如 关爱帮扶。"),
    "challenge_title": _l("命题名称；命题项目才填，普通项目留空。"),
    "requested_amount": _l("申请金额（元），正数，最多两位小数。"),
    "awarded_amount": _l("立项金额（元）；awarded 必填且不大于申请金额，rejected 留空。"),
    "status": _l("awarded（立项）或 rejected（未入选）；中文表头的文件也可写 立项 或 未入选。"),
    "themes": _l("可选列：项目的主题，多个用分号隔开，如 文明创建;建党百年；可留空。"),
}
# The downloadable template: the header and two example rows (one awarded, one rejected).
TEMPLATE_ROWS = (
    ("2019", "2019年志愿服务集市创投项目", "渔嫂课堂", "普陀区海韵志愿服务队",
     "52330903612000079L", "普陀区", "关爱帮扶", "", "20000.00", "15000.00", "awarded"),
    ("2019", "2019年志愿服务集市创投项目", "海岛支教", "浙江某高校青年志愿者协会",
     "52330900612000239G", "市直", "关爱帮扶", "", "30000.00", "", "rejected"),
)
# The same columns under their Chinese names (the template offers both headers; a file may use
# either, or mix them). A name may carry its unit in brackets: 申请金额（元）.
CHINESE_COLUMNS = {
    "round_year": "年度",
    "round_title": "项目库名称",
    "project_title": "项目名称",
    "organization_name": "组织名称",
    "organization_uscc": "统一社会信用代码",
    "region": "县区",
    "category": "项目类别",
    "challenge_title": "命题名称",
    "requested_amount": "申请金额",
    "awarded_amount": "立项金额",
    "status": "状态",
    "themes": "主题",
}
# Other Chinese names people give the same columns.
CHINESE_ALIASES = {
    "年份": "round_year", "创投集市": "round_title", "年度项目": "round_title",
    "申报组织": "organization_name", "组织": "organization_name", "信用代码": "organization_uscc",
    "所在县区": "region", "实施县区": "region", "类别": "category", "命题": "challenge_title",
    "资助金额": "awarded_amount",
}
_BRACKETED = re.compile(r"[（(][^）)]*[）)]\s*$")
REQUIRED_TEXT = ("project_title", "organization_name", "region", "category")
STATUSES = ("awarded", "rejected")
# Status as a Chinese file writes it.
CHINESE_STATUSES = {"立项": "awarded", "已立项": "awarded", "未入选": "rejected",
                    "未立项": "rejected"}


def column_for(heading: str) -> str:
    """The column a header cell names: an English column name (any case), a Chinese name or
    alias (a unit in brackets ignored); the heading itself, lowercased, when it is neither."""
    text = unicodedata.normalize("NFKC", heading).strip()
    if text.lower() in COLUMNS or text.lower() in OPTIONAL_COLUMNS:
        return text.lower()
    bare = _BRACKETED.sub("", text).strip()
    for column, name in CHINESE_COLUMNS.items():
        if bare == name:
            return column
    return CHINESE_ALIASES.get(bare, text.lower())
YEAR = re.compile(r"^(19|20)\d\d$")
# A number as a spreadsheet writes it into a CSV when the cell was a number: 9.13302E+17
SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
XLSX_MAGIC = b"PK\x03\x04"
# Data rows in one file; a year of history is a few hundred. A longer file is refused when
# its row MAX_ROWS + 1 is reached, without reading it to the end.
MAX_ROWS = 5_000
# Spreadsheets keep formatted empty rows by the hundred thousand after the data: this many
# blank rows in a row end the table, so they cost neither time nor any of MAX_ROWS.
BLANK_ROWS_END_TABLE = 1_000
# Deflate packs repetition a thousandfold: a 5 MB upload may unpack to gigabytes, and openpyxl
# loads some parts whole (shared strings) and scans each sheet once on opening.
MAX_XLSX_UNPACKED = 20 * 1024 * 1024
MAX_TEXT = {"round_title": 200, "project_title": 200, "organization_name": 120,
            "region": 40, "category": 40, "challenge_title": 200}
MAX_THEME = 40  # application_theme.theme is String(40)


class HistoryFileError(ValueError):
    """The file as a whole cannot be read (not CSV text or XLSX, no header, wrong columns)."""


@dataclass(frozen=True)
class RowProblem:
    line: int     # as a spreadsheet numbers it: the header is line 1
    column: str   # a column name of the format, or "" for the whole row
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "reason": self.reason}


@dataclass(frozen=True)
class HistoryRow:
    line: int
    year: int
    round_title: str
    project_title: str
    organisation_name: str
    uscc: str
    region: str
    category: str
    challenge_title: str
    requested: Decimal
    awarded: Decimal | None
    status: str  # "awarded" | "rejected"
    themes: tuple[str, ...] = ()  # 主题, from the optional `themes` column

    @property
    def key(self) -> tuple[int, str, str]:
        """How a row is matched on re-import: year, USCC and project title."""
        return (self.year, self.uscc, self.project_title)


class NumberCell(str):
    """The text of a spreadsheet cell that holds a number, not text. Excel keeps 15
    significant digits of a number, so an all-digit USCC typed into one has lost digits."""


def _text(value: object) -> str:
    if value is None:
        return ""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).strip()
    return NumberCell(text) if number else text


def read_table(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The data rows of a CSV (UTF-8, BOM or not) or XLSX file, each with its line number.

    The content decides the kind, not the file name. The header is checked before any data
    row is read, and reading stops as soon as the file is known to be too long, so a file of
    any length costs at most MAX_ROWS data rows, as many blank rows between them, and one run
    of BLANK_ROWS_END_TABLE blank rows of work.
    """
    lines = _xlsx_lines(data) if data.startswith(XLSX_MAGIC) else _csv_lines(data)
    try:
        return _table(lines)
    finally:
        lines.close()


def _table(lines: Iterator[tuple[int, Sequence]]) -> list[tuple[int, dict[str, str]]]:
    first = next(lines, None)
    if first is None:
        raise HistoryFileError(str(_l("文件是空的。")))
    names = [column_for(_text(h)) for h in first[1]]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        # A list reads "a、b" in Chinese, "a, b" in English; each column by both its names.
        columns = str(_l("、")).join(f"{c} / {CHINESE_COLUMNS[c]}" for c in missing)
        raise HistoryFileError(str(_l("缺少列：%(columns)s（第 1 行应为表头）。",
                                      columns=columns)))
    rows = []
    blank_run = blank_between = 0
    for line, values in lines:
        if all(_text(v) == "" for v in values):
            blank_run += 1
            if blank_run == BLANK_ROWS_END_TABLE:
                break
            continue  # blank lines are not rows
        # Blank rows between data rows cost reading time too: bounded like the data rows.
        blank_between, blank_run = blank_between + blank_run, 0
        if blank_between > MAX_ROWS:
            raise HistoryFileError(str(_l(
                "第 %(line)d 行之前的空行太多：数据行之间最多 %(n)d 个空行，请删去空行后重新导入。",
                line=line, n=MAX_ROWS)))
        if len(rows) == MAX_ROWS:
            raise HistoryFileError(str(_l(
                "第 %(line)d 行超出上限：一个文件最多 %(n)d 行数据，请分成几个文件导入。",
                line=line, n=MAX_ROWS)))
        row = {name: _text(values[i]) if i < len(values) else ""
               for i, name in enumerate(names) if name in COLUMNS or name in OPTIONAL_COLUMNS}
        rows.append((line, row))
    return rows


def _csv_lines(data: bytes) -> Iterator[tuple[int, list]]:
    """The lines of a CSV file, the header first, read as they are asked for."""
    if b"\x00" in data[:4096]:
        raise HistoryFileError(str(_l("文件不是 CSV 文本或 XLSX 表格。")))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HistoryFileError(str(_l("CSV 文件须为 UTF-8 编码。"))) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for values in reader:
            yield reader.line_num, values
    except csv.Error as exc:
        if reader.line_num <= 1:
            raise HistoryFileError(str(_l("文件不是 CSV 文本或 XLSX 表格。"))) from exc
        raise HistoryFileError(str(_l("第 %(line)d 行无法读取：%(error)s",
                                      line=reader.line_num, error=exc))) from exc


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list]]:
    """The rows of an XLSX file's first sheet, the header first, read as they are asked for."""
    import zipfile

    from openpyxl import load_workbook

    not_xlsx = str(_l("文件不是 CSV 文本或 XLSX 表格。"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise HistoryFileError(not_xlsx) from exc
    # Reading a member stops at its stated size, so the stated sizes bound the work.
    if unpacked > MAX_XLSX_UNPACKED:
        raise HistoryFileError(str(_l(
            "XLSX 文件解压后超过 %(mb)d MB，多半带着大量空行或格式：请删去多余的行和格式后"
            "重新保存，或另存为 CSV。", mb=MAX_XLSX_UNPACKED // (1024 * 1024))))

    # A formula cell counts as the value Excel saved for it; a formula without a saved value
    # (a file written by a program, not by Excel) as its text, "=HYPERLINK(...)", like a CSV.
    try:
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError) as exc:
        raise HistoryFileError(not_xlsx) from exc
    try:
        saved, written = values.worksheets[0], formulas.worksheets[0]
        # The size a sheet states may be wrong: openpyxl would stop at a stated last row that
        # is too small (dropping the rows after it) and pad every row to a stated width that is
        # too large. Read the rows the sheet holds.
        saved.reset_dimensions()
        written.reset_dimensions()

        def merged(rows_saved, rows_written):
            for saved_row, written_row in zip(rows_saved, rows_written, strict=False):
                yield [w if v is None else v
                       for v, w in zip(saved_row, written_row, strict=False)]

        header = next(merged(saved.iter_rows(max_row=1, values_only=True),
                             written.iter_rows(max_row=1, values_only=True)), [])
        yield 1, header
        # Cells right of the last heading belong to no column: not read, however wide a row.
        width = max((i + 1 for i, name in enumerate(header) if _text(name)), default=0)
        if width:
            yield from enumerate(merged(
                saved.iter_rows(min_row=2, max_col=width, values_only=True),
                written.iter_rows(min_row=2, max_col=width, values_only=True)), start=2)
    except (zipfile.BadZipFile, IndexError, KeyError, ValueError, OSError, SyntaxError) as exc:
        raise HistoryFileError(not_xlsx) from exc
    finally:
        values.close()
        formulas.close()


def _amount(row: dict, column: str, problems: list[RowProblem], line: int) -> Decimal | None:
    raw = row.get(column, "")
    try:
        amount = to_decimal(raw)
    except MoneyError:
        amount = None
    if amount is None or amount <= 0:
        problems.append(RowProblem(line, column, str(_l(
            "金额“%(value)s”不是最多两位小数的正数。", value=raw))))
        return None
    return amount


def check_row(line: int, row: dict[str, str],
              regions: Iterable[str] | None) -> tuple[HistoryRow | None, list[RowProblem]]:
    """One data row: the parsed row, or the problems with it (every one, not just the first)."""
    problems: list[RowProblem] = []

    raw_year = row.get("round_year", "")
    year = int(raw_year) if YEAR.match(raw_year) else None
    if year is None:
        problems.append(RowProblem(line, "round_year", str(_l(
            "“%(value)s”不是年份（应为四位数字，如 2019）。", value=raw_year))))

    for column in REQUIRED_TEXT:
        if not row.get(column):
            problems.append(RowProblem(line, column, str(_l("不能为空。"))))
    for column, limit in MAX_TEXT.items():
        if len(row.get(column, "")) > limit:
            problems.append(RowProblem(line, column, str(_l(
                "太长了：最多 %(n)d 个字。", n=limit))))
    region = row.get("region", "")
    if region and regions is not None and region not in regions:
        listed = str(_l("、")).join(regions)
        problems.append(RowProblem(line, "region", str(_l(
            "“%(value)s”不是本市的县区（%(regions)s）。", value=region, regions=listed))))

    uscc = normalise_uscc(row.get("organization_uscc", ""))
    raw_uscc = row.get("organization_uscc", "")
    if isinstance(raw_uscc, NumberCell) or SCIENTIFIC.match(raw_uscc):
        problems.append(RowProblem(line, "organization_uscc", str(_l(
            "统一社会信用代码请以文本格式填写：这一格是数字（%(value)s），表格软件只保留 15 位"
            "有效数字，代码可能已丢失位数。请把这一列设为“文本”格式后重新输入。",
            value=raw_uscc))))
    elif not uscc:
        problems.append(RowProblem(line, "organization_uscc", str(_l("不能为空。"))))
    else:
        message = uscc_message(uscc)
        if message:
            problems.append(RowProblem(line, "organization_uscc", message))

    status = row.get("status", "").lower()
    status = CHINESE_STATUSES.get(status, status)
    if status not in STATUSES:
        problems.append(RowProblem(line, "status", str(_l(
            "未知状态“%(value)s”：应为 awarded（立项）或 rejected（未入选）。",
            value=row.get("status", "")))))

    requested = _amount(row, "requested_amount", problems, line)
    awarded = None
    if status == "awarded":
        if not row.get("awarded_amount"):
            problems.append(RowProblem(line, "awarded_amount", str(_l(
                "状态为 awarded 时须填写立项金额。"))))
        else:
            awarded = _amount(row, "awarded_amount", problems, line)
            if awarded is not None and requested is not None and awarded > requested:
                problems.append(RowProblem(line, "awarded_amount", str(_l(
                    "立项金额 %(awarded)s 大于申请金额 %(requested)s。",
                    awarded=awarded, requested=requested))))
    elif status == "rejected" and row.get("awarded_amount"):
        problems.append(RowProblem(line, "awarded_amount", str(_l(
            "状态为 rejected（未入选）时不能有立项金额。"))))

    themes: list[str] = []
    for theme in THEME_SEPARATOR.split(row.get("themes", "")):
        theme = theme.strip()
        if len(theme) > MAX_THEME:
            problems.append(RowProblem(line, "themes", str(_l(
                "主题“%(value)s”太长了：每个主题最多 %(n)d 个字。", value=theme, n=MAX_THEME))))
        elif theme and theme not in themes:
            themes.append(theme)

    if problems:
        return None, problems
    return HistoryRow(
        line=line, year=year, round_title=row.get("round_title") or f"{year}年志愿服务集市创投项目",
        project_title=row["project_title"], organisation_name=row["organization_name"],
        uscc=uscc, region=region, category=row["category"],
        challenge_title=row.get("challenge_title", ""), requested=requested, awarded=awarded,
        status=status, themes=tuple(themes)), []


def check_rows(table: list[tuple[int, dict[str, str]]],
               regions: Iterable[str] | None = None) -> tuple[list[HistoryRow], list[RowProblem]]:
    """Every row on its own, then the rules across rows: one name per USCC, one title per
    round year, one row per (year, USCC, project title)."""
    regions = list(regions) if regions is not None else None
    rows: list[HistoryRow] = []
    problems: list[RowProblem] = []
    for line, raw in table:
        row, row_problems = check_row(line, raw, regions)
        problems.extend(row_problems)
        if row is not None:
            rows.append(row)

    # One name per USCC is checked on every row that has both, even an otherwise bad one.
    names: dict[str, tuple[int, str]] = {}
    for line, raw in table:
        uscc, name = normalise_uscc(raw.get("organization_uscc", "")), raw.get(
            "organization_name", "")
        if not uscc or not name:
            continue
        first_line, first_name = names.setdefault(uscc, (line, name))
        if first_name != name:
            problems.append(RowProblem(line, "organization_name", str(_l(
                "同一统一社会信用代码 %(uscc)s 在第 %(line)d 行的组织名称是“%(name)s”，"
                "这里却是“%(here)s”。", uscc=uscc, line=first_line, name=first_name,
                here=name))))

    titles: dict[int, HistoryRow] = {}
    keys: dict[tuple, HistoryRow] = {}
    for row in rows:
        first = titles.setdefault(row.year, row)
        if first.round_title != row.round_title:
            problems.append(RowProblem(row.line, "round_title", str(_l(
                "%(year)d 年的项目库名称在第 %(line)d 行是“%(title)s”，这里却不同。",
                year=row.year, line=first.line, title=first.round_title))))
        first = keys.setdefault(row.key, row)
        if first is not row:
            problems.append(RowProblem(row.line, "project_title", str(_l(
                "与第 %(line)d 行重复（同一年份、统一社会信用代码和项目名称）。",
                line=first.line))))
    problems.sort(key=lambda p: (p.line, COLUMNS.index(p.column) if p.column in COLUMNS else -1))
    return rows, problems


def template_csv(chinese: bool = False) -> bytes:
    """The sample template: UTF-8 with a BOM (so Excel opens the Chinese right), a header
    and two example rows; with `chinese`, the Chinese column names and status words."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if chinese:
        words = {english: chinese for chinese, english in
                 (("立项", "awarded"), ("未入选", "rejected"))}
        writer.writerow([CHINESE_COLUMNS[c] for c in COLUMNS])
        writer.writerows([*row[:-1], words[row[-1]]] for row in TEMPLATE_ROWS)
    else:
        writer.writerow(COLUMNS)
        writer.writerows(TEMPLATE_ROWS)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
