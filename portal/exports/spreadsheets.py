"""The one place workbooks are written: streaming, user text always as text, never formulas."""
import os
import tempfile

import xlsxwriter
from flask import send_file

WORKBOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}
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
    response = send_file(path, as_attachment=True, download_name=download_name,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", max_age=0)
    response.call_on_close(lambda: os.remove(path))
    return response
