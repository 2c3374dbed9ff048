"""The one place workbooks are written: streaming, user text always as text, never formulas.

Every export (the national workbook, 附件2, the recommender's list, the audit log) makes its
workbook with :func:`new_workbook` and its data tables with :class:`SheetWriter`.
"""

import os
import tempfile
from collections.abc import Iterable
from typing import NamedTuple

import xlsxwriter
from flask import send_file

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


def send_workbook(path: str, download_name: str):
    response = send_file(
        path,
        as_attachment=True,
        download_name=download_name,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        max_age=0,
    )
    response.call_on_close(lambda: os.remove(path))
    return response


# How a column's values are written: text is always a string cell, never a formula or a link.
TEXT, COUNT, AMOUNT, SCORE, PERCENT, DATETIME = "text", "count", "amount", "score", "percent", "datetime"


class Column(NamedTuple):
    title: str
    width: int  # in characters; a Chinese character counts two
    kind: str = TEXT


class SheetWriter:
    """A workbook's formats, made once, and data tables written cell by cell with each column's own method.

    The method is chosen once per column, not guessed per value: ``None`` leaves a cell empty,
    anything else is written as the column's kind, and text is always a string cell. The header
    row may sit below a title row.
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
        self._methods = {
            TEXT: ("write_string", None),
            COUNT: ("write_number", None),
            AMOUNT: ("write_number", workbook.add_format({"num_format": "#,##0.##"})),
            SCORE: ("write_number", workbook.add_format({"num_format": "0.00"})),
            PERCENT: ("write_number", self.percent),
            DATETIME: ("write_datetime", workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})),
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
        sheet.fit_to_pages(1, 0)
        return last

    def rows(self, sheet, columns: list[Column], rows: Iterable[list], first_row: int) -> int:
        writers = [
            (getattr(sheet, method), cell_format)
            for method, cell_format in (self._methods[column.kind] for column in columns)
        ]
        row_index = first_row - 1
        for row_index, values in enumerate(rows, start=first_row):
            for column_index, value in enumerate(values):
                if value is not None:
                    write, cell_format = writers[column_index]
                    write(row_index, column_index, value, cell_format)
        return row_index

    def title_row(self, sheet, title: str, first_column: int, last_column: int, cell_format=None) -> None:
        sheet.merge_range(0, first_column, 0, last_column, title, cell_format or self.title)
