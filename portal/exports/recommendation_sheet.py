"""附件2 工业计量标杆示范单位推荐汇总表, in the official layout, ready to print, seal and scan."""

from portal.campaigns.models import Scale
from portal.exports.spreadsheets import new_workbook, write_text

TITLE = "工业计量标杆示范单位推荐汇总表"
HEADERS = ["序号", "申报单位名称", "企业规模", "所处行业", "联系人", "联系方式", "邮箱"]
COLUMN_WIDTHS = [6, 34, 10, 18, 10, 16, 24]
NOTES = [
    "注：1. 从业人员1000人以下或营业收入4亿元以下的为中小型企业，其余为大型企业。",
    "2. 所处行业包括：新一代信息技术产业、高档数控机床和机器人、航空航天装备、海洋工程装备及高技术船舶、"
    "先进轨道交通装备、节能与新能源汽车、电力装备、农机装备、新材料、生物医药及高性能医疗器械、钢铁、石油和化学、"
    "轻工、机械、仪器仪表、其他。",
    "3. 大型企业和中小型企业推荐数量均不超过5家，排名有先后。",
]


def summary_rows(recommendation) -> list[list[str]]:
    """The table's rows: large enterprises first, then small/medium, each in ranked order; 序号 continuous."""
    entries = recommendation.ranked(Scale.LARGE) + recommendation.ranked(Scale.SME) if recommendation else []
    return [
        [
            str(number),
            entry.application.org_name,
            entry.scale.label,
            entry.application.industry,
            entry.application.contact_name,
            entry.application.contact_phone,
            entry.application.contact_email,
        ]
        for number, entry in enumerate(entries, start=1)
    ]


def write_summary_sheet(recommender_name: str, rows: list[list[str]]) -> str:
    """Write the sheet to a temporary file and return its path."""
    workbook, path = new_workbook()
    sheet = workbook.add_worksheet("推荐汇总表")
    title = workbook.add_format(
        {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter", "font_name": "宋体"}
    )
    plain = workbook.add_format({"font_size": 11, "font_name": "宋体"})
    header = workbook.add_format(
        {"bold": True, "border": 1, "align": "center", "valign": "vcenter", "font_name": "宋体", "text_wrap": True}
    )
    cell = workbook.add_format({"border": 1, "valign": "vcenter", "text_wrap": True, "font_name": "宋体"})
    note = workbook.add_format({"text_wrap": True, "valign": "top", "font_size": 10, "font_name": "宋体"})
    for column, width in enumerate(COLUMN_WIDTHS):
        sheet.set_column(column, column, width)
    sheet.set_row(0, 36)
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1, TITLE, title)
    sheet.merge_range(1, 0, 1, len(HEADERS) - 1, "", plain)
    write_text(sheet, 1, 0, f"推荐单位（盖章）：{recommender_name}", plain)
    for column, text in enumerate(HEADERS):
        sheet.write_string(2, column, text, header)
    for offset, row in enumerate(rows):
        sheet.set_row(3 + offset, 30)
        for column, value in enumerate(row):
            write_text(sheet, 3 + offset, column, value, cell)
    first_note = 3 + len(rows) + 1
    for offset, text in enumerate(NOTES):
        sheet.set_row(first_note + offset, 30 if offset != 1 else 58)
        sheet.merge_range(first_note + offset, 0, first_note + offset, len(HEADERS) - 1, text, note)
    sheet.set_paper(9)  # A4
    sheet.set_portrait()
    sheet.fit_to_pages(1, 1)
    sheet.center_horizontally()
    sheet.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    workbook.close()
    return path
