"""Sheets for the import tests, written with openpyxl as the ministries' Excel would write them."""

from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from portal.imports.kinds import KINDS

ORGANISATIONS = [
    ["北京市市场监督管理局", "省级市场监管部门", "北京", "计量处"],
    ["内蒙古自治区工业和信息化厅", "省级工业和信息化主管部门", "内蒙古", ""],
    ["中国计量协会", "全国性行业协会/学会/联合会", "全国", ""],
]
STAFF = [
    ["bj-amr-01", "张三", "北京市市场监督管理局", "推荐单位", "zhangsan@example.cn", "13800138002"],
    ["reviewer-wang", "王五", "", "主管部门", "wangwu@example.cn", ""],
]
EXPERTS = [["expert-li", "李四", "中国计量科学研究院", "北京", "测量管理体系", "lisi@example.cn"]]


def sheet_bytes(kind: str, rows: list[list], title_rows: int = 0, trailing_blank: int = 0) -> bytes:
    """An xlsx with the kind's headers below ``title_rows`` merged title rows, ``rows``, then blank rows
    (spaces, or only formatting) as Excel leaves them."""
    workbook = Workbook()
    sheet = workbook.active
    headers = KINDS[kind].headers
    for number in range(1, title_rows + 1):
        sheet.cell(number, 1, f"{KINDS[kind].label}汇总表")
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=len(headers))
    for row_number, values in enumerate([headers, *rows], start=title_rows + 1):
        for column, value in enumerate(values, start=1):
            sheet.cell(row_number, column, value if value != "" else None)
    first_blank = title_rows + 2 + len(rows)
    for row_number in range(first_blank, first_blank + trailing_blank):
        sheet.cell(row_number, 1, "  ")
        sheet.cell(row_number, 2).font = Font(bold=True)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rows_of(data: bytes) -> list[list]:
    sheet = load_workbook(BytesIO(data), read_only=True).worksheets[0]
    return [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]
