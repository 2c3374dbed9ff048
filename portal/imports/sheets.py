"""The workbooks of an import, all laid out from the kind's columns: the template (with comments, drop-down
lists and one example row), what the portal holds in the same layout, and the rows in error with their
messages beside them. Each can be filled in or corrected and imported again.
"""

from collections.abc import Iterable

from xlsxwriter.utility import xl_col_to_name

from portal.exports.spreadsheets import Column, SheetWriter, new_workbook, write_text
from portal.imports.kinds import ImportKind
from portal.imports.reader import MAX_ROWS
from portal.imports.services import ERROR, Preview

CHOICES_SHEET = "选项"
ROW_NUMBER_HEADER, MESSAGES_HEADER = "原行号", "错误说明"


def write_template(kind: ImportKind) -> str:
    """An empty sheet to fill in, with the example row (skipped on import) under the headers."""
    example = [kind.example.get(column.field, "") for column in kind.columns]
    return write_sheet(kind, [example])


def write_holdings(kind: ImportKind) -> str:
    """What the portal holds of this kind, in the template's layout: imported again, it changes nothing."""
    rows = (
        [_cell(column, values[column.field]) for column in kind.columns]
        for _target, values in kind.holdings().existing.values()
    )
    return write_sheet(kind, rows)


def write_error_sheet(preview: Preview) -> str:
    """The rows in error as read, the row number and the messages beside them."""
    kind = preview.kind
    rows = (
        [row.texts[column.header] for column in kind.columns]
        + [row.number, " ".join(f"{header}：{message}" for header, message in row.errors)]
        for row in preview.rows
        if row.action == ERROR
    )
    return write_sheet(kind, rows, [Column(ROW_NUMBER_HEADER, 8, "count"), Column(MESSAGES_HEADER, 110)])


def _cell(column, value) -> str:
    return "" if value is None else column.show(value)


def write_sheet(kind: ImportKind, rows: Iterable[list], extra: list[Column] = ()) -> str:
    """A workbook of ``kind`` holding ``rows`` (texts in the kind's column order) and ``extra`` columns."""
    workbook, path = new_workbook()
    writer = SheetWriter(workbook)
    sheet = workbook.add_worksheet(kind.label)
    choices = workbook.add_worksheet(CHOICES_SHEET)
    for index, column in enumerate(kind.columns):
        need = "必填" if column.required else "选填"
        sheet.write_comment(0, index, f"{column.header}（{need}）：{column.comment}", {"x_scale": 2, "y_scale": 1.5})
    _drop_downs(sheet, choices, kind)
    columns = [Column(column.header, column.width) for column in kind.columns] + list(extra)
    writer.table(sheet, columns, rows, filtered=False)
    workbook.close()
    return path


def _drop_downs(sheet, choices, kind: ImportKind) -> None:
    """Each listed column's choices in a column of the hidden 选项 sheet, and a drop-down pointing at it."""
    listed = [(index, column) for index, column in enumerate(kind.columns) if column.choices]
    for position, (index, column) in enumerate(listed):
        letter = xl_col_to_name(position)
        sheet.data_validation(
            1,
            index,
            MAX_ROWS,
            index,
            {
                "validate": "list",
                "source": f"='{CHOICES_SHEET}'!${letter}$1:${letter}${len(column.choices)}",
                "error_type": "warning",
                "error_title": column.header,
                "error_message": "请从下拉列表中选择。",
            },
        )
    for row in range(max((len(column.choices) for _index, column in listed), default=0)):
        for position, (_index, column) in enumerate(listed):
            if row < len(column.choices):
                write_text(choices, row, position, column.choices[row])
    choices.hide()
