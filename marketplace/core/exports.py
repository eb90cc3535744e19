"""CSV and XLSX downloads shared by every domain.

Spreadsheet programs run text that starts with = + - @ (or a tab / carriage return) as a
formula (CSV injection), so every exported cell goes through `neutralise`, which prefixes
such text with an apostrophe. Numbers, dates and Decimals are written as they are.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe, so it shows
    as the text it is; anything else (numbers, dates, None, ordinary text) is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    """A value ready for a cell: numbers and dates as they are, anything else as neutralised
    text (lazy translations and enums become their text first)."""
    if value is None or isinstance(value, (bool, int, float, Decimal, datetime, date)):
        return value
    return neutralise(str(value))


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def download_response(data: bytes, mimetype: str, filename: str) -> Response:
    """A generated file to download (any name, Chinese too), never cached."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = _disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    return download_response(csv_bytes(header, rows), "text/csv", filename)


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]],
               title: str = "Sheet1") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    sheet.append([_cell(h) for h in header])
    for row in rows:
        sheet.append([_cell(v) for v in row])  # Decimal cells are numbers in Excel
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
                  title: str = "Sheet1") -> Response:
    return download_response(xlsx_bytes(header, rows, title), XLSX_MIMETYPE, filename)
