"""The one place workbooks are written: streaming, user text always as text, never formulas."""

import os
import tempfile
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from flask import send_file

WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
MAX_CELL_CHARS = 32767


def new_workbook():
    """A workbook on a temporary file (constant memory needs a file, not a BytesIO) and its path."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.close()
    return xlsxwriter.Workbook(handle.name, WORKBOOK_OPTIONS), handle.name


def write_text(sheet, row: int, column: int, value, cell_format=None) -> None:
    """Write what a user typed exactly as typed: ``=HYPERLINK(...)`` stays a string."""
    text = "" if value is None else str(value)
    sheet.write_string(row, column, text[:MAX_CELL_CHARS], cell_format)


def send_workbook(path: str, download_name: str):
    response = send_file(
        path,
        as_attachment=True,
        download_name=download_name,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        max_age=0,
    )
    response.call_on_close(lambda: os.remove(path))
    response.headers["Cache-Control"] = "no-store"  # personal data: no browser or proxy keeps a copy
    return response


class TableFormats:
    """The cell formats of a data sheet, made once per workbook."""

    def __init__(self, workbook):
        self.header = workbook.add_format(
            {
                "bold": True,
                "border": 1,
                "bg_color": "#F2F2F2",
                "text_wrap": True,
                "align": "center",
                "valign": "vcenter",
            }
        )
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.number = workbook.add_format({"num_format": "#,##0.##"})


def write_value(sheet, row: int, column: int, value, formats: TableFormats) -> None:
    """Numbers as numbers, dates as real dates, everything else as text (never a formula)."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        write_text(sheet, row, column, "是" if value else "否")
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, column, float(value), formats.number if isinstance(value, Decimal) else None)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, column, value.replace(tzinfo=None), formats.datetime)
    elif isinstance(value, date):
        sheet.write_datetime(row, column, datetime.combine(value, datetime.min.time()), formats.date)
    else:
        write_text(sheet, row, column, value)


def write_table(sheet, headers: list[tuple[str, int]], rows, formats: TableFormats) -> int:
    """A data sheet: one header row (frozen, filtered, repeated when printed), then ``rows``.

    ``headers`` are ``(title, width)``; widths are in characters, Chinese ones count double.
    Rows are written one by one, as constant-memory mode needs. Returns the number of rows.
    """
    sheet.set_row(0, 32)
    for column, (title, width) in enumerate(headers):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, title, formats.header)
    count = 0
    for count, values in enumerate(rows, start=1):
        for column, value in enumerate(values):
            write_value(sheet, count, column, value, formats)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(count, 1), len(headers) - 1)
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.repeat_rows(0)
    sheet.fit_to_pages(1, 0)
    return count
