"""A CSV or XLSX file as a header and rows of text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from app.errors import ValidationFailed

#: Spreadsheets write these at the start of a cell the export neutralised (app.web.csv_export).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAGIC = b"PK\x03\x04"


class ImportRefused(ValidationFailed):
    """The file as a whole cannot be imported (unreadable, no header, no known column)."""


@dataclass
class Table:
    headers: list[str]
    #: Each row as (line number in the file, cells); blank lines left out.
    rows: list[tuple[int, list[str]]]


def read_table(data: bytes, file_name: str = "") -> Table:
    """The header and rows of a CSV (UTF-8, `,` `;` or tab separated) or XLSX file."""
    if file_name.lower().endswith(".xlsx") or data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused('The file is not UTF-8 text: save it as "CSV UTF-8" and try again.') from None
    return read_csv_text(text)


def read_csv_text(text: str) -> Table:
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise ImportRefused("The file holds NUL characters: it is not a CSV file.")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = list(reader)
    except csv.Error as error:
        raise ImportRefused(f"The CSV cannot be read: {error}.") from None
    return _table(lines)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ImportRefused("The XLSX file cannot be read: save it again from the spreadsheet.") from None
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        raise ImportRefused("The XLSX file has no sheet.")
    lines = [[_xlsx_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return _table(lines)


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(lines: list[list[str]]) -> Table:
    numbered = [
        (number, cells) for number, cells in enumerate(lines, start=1) if any(c.strip() for c in cells)
    ]
    if not numbered:
        raise ImportRefused("The file is empty: the first line must name the columns.")
    (_, headers), rows = numbered[0], numbered[1:]
    return Table([h.strip() for h in headers], [(n, [unescape(c) for c in cells]) for n, cells in rows])


def unescape(cell: str) -> str:
    """Undo the export's formula guard: `'=1+1` -> `=1+1`, `'+44 20` -> `+44 20`."""
    if cell.startswith("'") and cell[1:2] and cell[1] in FORMULA_PREFIXES:
        return cell[1:]
    return cell
