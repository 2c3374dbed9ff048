"""The one place workbooks are written: streaming, user text always as text, never formulas.

Every export (the national workbook, 附件2, the recommender's list, the audit log) makes its
workbook with :func:`new_workbook` and its data tables with :class:`SheetWriter`.
"""

import math
import os
import tempfile
from collections.abc import Iterable
from typing import NamedTuple

import xlsxwriter
from flask import send_file

from portal.core.downloads import content_disposition

WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
MAX_CELL_CHARS = 32767
A4 = 9


def new_workbook():
    """A workbook on a temporary file (constant memory needs a file, not a BytesIO) and its path."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.close()
    return xlsxwriter.Workbook(handle.name, WORKBOOK_OPTIONS), handle.name


def write_text(sheet, row: int, column: int, value, cell_format=None) -> None:
    """Write what a user typed exactly as typed: ``=HYPERLINK(...)`` stays a string."""
    text = "" if value is None else str(value)
    sheet.write_string(row, column, text[:MAX_CELL_CHARS], cell_format)


def as_number(value) -> float | None:
    """A Decimal (万元, 吨标准煤) as the float a number cell holds; ``None`` stays an empty cell."""
    return None if value is None else float(value)


def send_workbook(path: str, download_name: str, ascii_name: str):
    """The workbook as a download named ``download_name`` (``ascii_name`` for clients without UTF-8 names)."""
    response = send_file(path, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", max_age=0)
    response.headers["Content-Disposition"] = content_disposition(download_name, ascii_name)
    response.call_on_close(lambda: os.remove(path))
    response.headers["Cache-Control"] = "no-store"  # personal data: no browser or proxy keeps a copy
    return response


# How a column's values are written: text is always a string cell, never a formula or a link.
TEXT, COUNT, AMOUNT, SCORE, PERCENT, DATETIME = "text", "count", "amount", "score", "percent", "datetime"


class Column(NamedTuple):
    title: str
    width: int  # in characters; a Chinese character counts two
    kind: str = TEXT


class SheetWriter:
    """A workbook's formats, made once, and data tables written cell by cell with each column's own method.

    The method is chosen once per column, not guessed per value: ``None`` leaves a bordered cell
    empty, anything else is written as the column's kind, and text is always a string cell. The
    header row may sit below a title row.
    """

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
        self.title = workbook.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
        self.percent = workbook.add_format({"num_format": "0.0%"})
        bordered = {"border": 1, "valign": "vcenter", "text_wrap": True, "font_size": 11}
        self.bordered = workbook.add_format(bordered)
        self.bordered_centre = workbook.add_format(bordered | {"align": "center"})
        self.bordered_header = workbook.add_format(bordered | {"align": "center", "bold": True, "bg_color": "#F2F2F2"})
        self.subtitle = workbook.add_format({"align": "center", "valign": "vcenter", "font_size": 12})
        cell = {"border": 1, "valign": "vcenter"}
        self.cell = workbook.add_format(cell)
        self.wrapped = workbook.add_format(cell | {"text_wrap": True})
        self._methods = {
            # No wrap: rows keep one line (constant-memory rows have no height to grow into); widths fit.
            TEXT: ("write_string", self.cell),
            COUNT: ("write_number", self.cell),
            # Amounts always with two decimals: "#,##0.##" printed whole numbers with a trailing dot.
            AMOUNT: ("write_number", workbook.add_format(cell | {"num_format": "#,##0.00"})),
            SCORE: ("write_number", workbook.add_format(cell | {"num_format": "0.00"})),
            PERCENT: ("write_number", workbook.add_format(cell | {"num_format": "0.0%"})),
            DATETIME: ("write_datetime", workbook.add_format(cell | {"num_format": "yyyy-mm-dd hh:mm"})),
        }

    def table(
        self,
        sheet,
        columns: list[Column],
        rows: Iterable[list],
        header_row: int = 0,
        frozen_columns: int = 0,
        filtered: bool = True,
    ) -> int:
        """The header (frozen, filtered, repeated on every printed page), then ``rows``; A4 landscape.

        Returns the index of the last row written.
        """
        sheet.set_row(header_row, 32)
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width)
            if column.title:
                sheet.write_string(header_row, index, column.title, self.header)
        last = self.rows(sheet, columns, rows, header_row + 1)
        sheet.freeze_panes(header_row + 1, frozen_columns)
        if filtered:
            sheet.autofilter(header_row, 0, max(last, header_row + 1), len(columns) - 1)
        sheet.set_paper(A4)
        sheet.set_landscape()
        sheet.repeat_rows(0, header_row)
        if frozen_columns:
            sheet.repeat_columns(0, frozen_columns - 1)
        sheet.fit_to_pages(pages_wide(columns, frozen_columns), 0)
        return last

    def rows(self, sheet, columns: list[Column], rows: Iterable[list], first_row: int) -> int:
        writers = [
            (getattr(sheet, method), cell_format)
            for method, cell_format in (self._methods[column.kind] for column in columns)
        ]
        row_index = first_row - 1
        for row_index, values in enumerate(rows, start=first_row):
            for column_index, value in enumerate(values):
                write, cell_format = writers[column_index]
                if value is not None:
                    write(row_index, column_index, value, cell_format)
                elif columns[column_index].title:  # bordered, empty (not the blank gaps between tables)
                    sheet.write_blank(row_index, column_index, None, cell_format)
        return row_index

    def title_row(self, sheet, title: str, first_column: int, last_column: int, cell_format=None) -> None:
        sheet.merge_range(0, first_column, 0, last_column, title, cell_format or self.title)


# Printed A4 landscape with the default margins (0.7 in each side): 741 pt of width. Excel's column
# width w is w * 7 + 5 pixels of Calibri 11 (0.75 pt each). The 11 pt text must not shrink below 8 pt.
PRINTABLE_WIDTH_PT = 842 - 2 * 0.7 * 72
MIN_PRINT_SCALE = 0.78  # 11 pt x 0.78 = 8.6 pt, a margin over 8 pt for renderers' rounding


def _width_pt(columns: list[Column]) -> float:
    return sum(column.width * 7 + 5 for column in columns) * 0.75


def pages_wide(columns: list[Column], repeated: int = 0) -> int:
    """How many pages wide a table must print on so that its text stays at 8 pt or more.

    ``repeated`` first columns are printed again on every page (the frozen key columns).
    """
    total, key = _width_pt(columns), _width_pt(columns[:repeated])
    room = PRINTABLE_WIDTH_PT / MIN_PRINT_SCALE
    if total <= room:
        return 1
    return 1 + math.ceil((total - room) / (room - key))
