"""Reading an uploaded sheet safely: the file is checked before openpyxl sees it, then read row by row.

A hostile file must not exhaust the server: the size is checked first, then the ZIP's entry count and
declared uncompressed sizes (Python's zipfile never inflates an entry past its declared size, so a
ZIP bomb stops there), and openpyxl parses the XML through defusedxml, which refuses entity
expansion. Formulas are refused, never evaluated.
"""

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from forms.base import SINGLE_LINE_FORBIDDEN, SINGLE_LINE_MESSAGE

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_ENTRIES = 100  # a workbook of a few sheets has about a dozen parts
MAX_UNPACKED_BYTES = 60 * 1024 * 1024  # 10,000 rows of text take about 5 MB of sheet XML
HEADER_SEARCH_ROWS = 10  # the header may sit below title rows (merged cells)
BLANK_ROWS_ALLOWED = 1_000  # blank rows between the data rows, or formatted ones left below them
LAST_ROW = HEADER_SEARCH_ROWS + MAX_ROWS + BLANK_ROWS_ALLOWED
TOO_MANY_ROWS = f"一次最多导入 {MAX_ROWS:,} 行，请分成几个文件。"
TOO_LONG = f"表格不能超过第 {LAST_ROW:,} 行（空行和只有格式的行也计在内）：请删除多余的行，或分成几个文件。"
NOT_A_WORKBOOK = "该文件不是 Excel 工作簿（.xlsx），请用模板填写后上传。"
LEGACY_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the OLE2 container of Excel 97–2003 (.xls)
LEGACY_MESSAGE = "这是旧版 Excel 文件（.xls）：请在 Excel 中“另存为” .xlsx 格式后上传。"
BAD_XML = "文件内容不是有效的 Excel 格式（含有不允许的 XML 结构），已拒绝读取。"
XML_REFUSED = (DefusedXmlException, ParseError)


class UnreadableWorkbook(ValueError):
    """The file is refused as a whole; the message says why, in Chinese."""


@dataclass
class SheetRow:
    """One non-empty data row: its row number in Excel, each column's text, and cells refused on reading."""

    number: int
    texts: dict[str, str]  # header → text
    problems: dict[str, str]  # header → message


def check_file(path: str, size: int) -> None:
    """Refuse an empty, oversized, non-xlsx or bomb-like file before anything parses it."""
    if size == 0:
        raise UnreadableWorkbook("文件是空的。")
    if size > MAX_BYTES:
        raise UnreadableWorkbook(f"文件不能超过 {MAX_BYTES // 1024 // 1024} MB。")
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as handle:
            legacy = handle.read(len(LEGACY_EXCEL)) == LEGACY_EXCEL
        raise UnreadableWorkbook(LEGACY_MESSAGE if legacy else NOT_A_WORKBOOK)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableWorkbook(NOT_A_WORKBOOK) from None
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnreadableWorkbook(NOT_A_WORKBOOK)
    if len(entries) > MAX_ENTRIES or sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise UnreadableWorkbook("文件解压后过大，已拒绝读取。请只保留需要导入的工作表后重新上传。")


def cell_text(value) -> str:
    """A cell's value as the text a form would receive, trimmed. Each column normalises further as its
    form field does (``portal.imports.columns``: NFKC for codes, numbers and choices, not for names)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 2019.0, or a mobile number typed as a number
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()


def read_rows(path: str, headers: list[str]) -> Iterator[SheetRow]:
    """The data rows of the first sheet below the row holding ``headers``; blank rows are skipped."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
        try:
            yield from _rows(workbook.worksheets[0], headers)
        finally:
            workbook.close()
    except UnreadableWorkbook:
        raise
    except (
        *XML_REFUSED,
        InvalidFileException,
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,  # the compressed data is broken: check_file reads only the ZIP's directory
        EOFError,
        NotImplementedError,  # a compression method zipfile cannot inflate
        KeyError,
        IndexError,
        TypeError,
        ValueError,
        OSError,
    ) as error:
        # openpyxl wraps what the XML parser raised in a ValueError
        refused_xml = isinstance(error, XML_REFUSED) or isinstance(error.__cause__, XML_REFUSED)
        raise UnreadableWorkbook(BAD_XML if refused_xml else NOT_A_WORKBOOK) from None


def _rows(sheet, headers: list[str]) -> Iterator[SheetRow]:
    sheet.reset_dimensions()  # other programs write wrong <dimension>s; read every cell there is
    header_row, positions = _find_header(sheet, headers)
    # Only the header's columns, and no row past LAST_ROW, blank or not: a cell far right or far down
    # would otherwise make every row that wide, or every blank row a row to read.
    width = max(positions.values()) + 1
    count = 0
    rows = sheet.iter_rows(min_row=header_row + 1, max_row=LAST_ROW + 1, max_col=width)
    for number, cells in enumerate(rows, start=header_row + 1):
        if number > LAST_ROW:
            raise UnreadableWorkbook(TOO_LONG)
        row = _row(number, cells, positions)
        if row is None:
            continue
        count += 1
        if count > MAX_ROWS:
            raise UnreadableWorkbook(TOO_MANY_ROWS)
        yield row


def _find_header(sheet, headers: list[str]) -> tuple[int, dict[str, int]]:
    """The header row's number and the column index of each header."""
    for number, cells in enumerate(sheet.iter_rows(max_row=HEADER_SEARCH_ROWS), start=1):
        positions = _header_positions(cells, headers)
        if positions is not None:
            return number, positions
    raise UnreadableWorkbook(f"前 {HEADER_SEARCH_ROWS} 行中没有找到表头（{'、'.join(headers)}），请使用模板。")


def _header_positions(cells, headers: list[str]) -> dict[str, int] | None:
    """Column index of each header, if this row is the header row (all headers present, in any order)."""
    found = [cell_text(cell.value) for cell in cells]
    if not all(header in found for header in headers):
        return None
    for header in headers:
        if found.count(header) > 1:
            raise UnreadableWorkbook(f"表头“{header}”出现两次，请删除或改名其中一列后重新上传。")
    return {header: found.index(header) for header in headers}


def _row(number: int, cells, positions: dict[str, int]) -> SheetRow | None:
    texts, problems = {}, {}
    for header, index in positions.items():
        cell = cells[index] if index < len(cells) else None
        if cell is not None and cell.data_type == "f":
            problems[header] = "该单元格是公式，导入时不计算公式，请改为直接填写内容。"
            texts[header] = str(cell.value)
            continue
        texts[header] = cell_text(cell.value if cell is not None else None)
        if SINGLE_LINE_FORBIDDEN.search(texts[header]):
            problems[header] = SINGLE_LINE_MESSAGE
    if not any(texts.values()):
        return None
    return SheetRow(number, texts, problems)
