"""附件2 工业计量标杆示范单位推荐汇总表, in the notice's layout, ready to print, seal and scan.

Every text below is the notice's (国质检量联〔2017〕399号, 附件2), character for character; the only
thing a campaign changes is a number: the scale thresholds in note 1, and the number of rows (its
quotas: 5 大型 + 5 中小型 in the notice). ``tests/test_documents_summary_sheet.py`` reads the notice
and checks these texts against it.
"""

from portal.campaigns.models import Scale
from portal.exports.spreadsheets import new_workbook, write_text

ATTACHMENT_LABEL = "附件 2"
TITLE = "工业计量标杆示范单位推荐汇总表"
RECOMMENDER_LABEL = "推荐单位（盖章）："
HEADERS = ["序号", "申报单位名称", "企业规模", "所处行业", "联系人", "联系方式", "邮箱"]
SCALE_LABELS = {Scale.LARGE: "大型企业", Scale.SME: "中小型企业"}
# The notes, numbered 1、2、3、 as in the notice; {employees} and {revenue_yi} are the campaign's thresholds.
NOTE_TEMPLATES = [
    "注：1、企业规模：分为大型企业或中小型企业，从业人员在 {employees} 人以下或年营业收入在 {revenue_yi} "
    "亿元以下的为中小型企业。",
    "2、所处行业：新一代信息技术产业、高档数控机床和机器人、航空航天装备、海洋工程装备及高技术船舶、先进轨道交通装备、"
    "节能与新能源汽车、电力装备、农机装备、新材料、生物医药及高性能医疗器械，钢铁、石油和化学、轻工、机械、仪器仪表、其他。",
    "3、推荐示范项目排名有先后，推荐数量不能超过规定的上限。",
]
NOTE_INDENT = "\u3000\u3000"  # notes 2 and 3 start under note 1's number, after "注："

# Landscape A4, printed at 100 %: widths in Excel's character units, chosen so that at 10.5 pt no
# cell wraps (所处行业 holds 生物医药及高性能医疗器械, 申报单位名称 about 20 characters, 邮箱 about 26) and the page is not
# shrunk to fit. Heights in points: the 推荐单位 row leaves about 3 cm for the seal.
COLUMN_WIDTHS = [6, 34, 11, 26, 9, 15, 29]
BODY_PT = 10.5
SEAL_ROW_PT = 85  # 3 cm
DATA_ROW_PT = 28  # two lines of 10.5 pt: long names and e-mail addresses wrap


def notes(campaign) -> list[str]:
    """The three notes with the campaign's thresholds (the notice's: 1000 人, 4 亿元)."""
    employees = campaign.large_min_employees if campaign else 1000
    revenue_wan = campaign.large_min_revenue if campaign else 40000
    values = {"employees": employees, "revenue_yi": f"{revenue_wan / 10000:g}"}
    return [template.format(**values) for template in NOTE_TEMPLATES]


def summary_rows(recommendation, campaign=None) -> list[list[str]]:
    """The table's rows: the quota of 大型 rows, then of 中小型 rows (5 + 5 in the notice), numbered
    continuously; ranked candidates fill them in order, the rest stay blank but numbered."""
    quotas = {Scale.LARGE: campaign.quota_large if campaign else 5, Scale.SME: campaign.quota_sme if campaign else 5}
    rows: list[list[str]] = []
    for scale in (Scale.LARGE, Scale.SME):
        entries = recommendation.ranked(scale) if recommendation else []
        for slot in range(max(quotas[scale], len(entries))):
            if slot < len(entries):
                application = entries[slot].application
                values = [
                    application.org_name,
                    SCALE_LABELS[scale],
                    application.industry,
                    application.contact_name,
                    application.contact_phone,
                    application.contact_email,
                ]
            else:
                values = [""] * 6
            rows.append([str(len(rows) + 1), *[value or "" for value in values]])
    return rows


def write_summary_sheet(recommender_name: str, rows: list[list[str]], campaign=None) -> str:
    """Write the sheet to a temporary file and return its path."""
    workbook, path = new_workbook()
    sheet = workbook.add_worksheet("推荐汇总表")
    song = {"font_name": "宋体", "font_size": BODY_PT}
    label = workbook.add_format({"font_name": "黑体", "font_size": 14, "valign": "vcenter"})
    title = workbook.add_format({**song, "bold": True, "font_size": 18, "align": "center", "valign": "vcenter"})
    recommender = workbook.add_format({**song, "font_size": 12, "valign": "vcenter"})
    header = workbook.add_format({**song, "bold": True, "border": 1, "align": "center", "valign": "vcenter"})
    left = workbook.add_format({**song, "border": 1, "valign": "vcenter", "text_wrap": True})
    centred = workbook.add_format({**song, "border": 1, "align": "center", "valign": "vcenter"})
    note = workbook.add_format({**song, "text_wrap": True, "valign": "top"})
    last = len(HEADERS) - 1
    for column, width in enumerate(COLUMN_WIDTHS):
        sheet.set_column(column, column, width)

    sheet.set_row(0, 20)
    sheet.write_string(0, 0, ATTACHMENT_LABEL, label)
    sheet.set_row(1, 34)
    sheet.merge_range(1, 0, 1, last, TITLE, title)
    sheet.set_row(2, SEAL_ROW_PT)
    sheet.merge_range(2, 0, 2, last, "", recommender)
    write_text(sheet, 2, 0, f"{RECOMMENDER_LABEL}{recommender_name}", recommender)
    sheet.set_row(3, 28)
    for column, text in enumerate(HEADERS):
        sheet.write_string(3, column, text, header)
    for offset, row in enumerate(rows):
        sheet.set_row(4 + offset, DATA_ROW_PT)
        for column, value in enumerate(row):
            cell_format = centred if column in (0, 2) else left
            if value:
                write_text(sheet, 4 + offset, column, value, cell_format)
            else:  # an empty place: bordered, blank
                sheet.write_blank(4 + offset, column, None, cell_format)

    first_note = 4 + len(rows)
    for offset, text in enumerate(notes(campaign)):
        sheet.set_row(first_note + offset, 34 if offset == 1 else 20)
        sheet.merge_range(
            first_note + offset, 0, first_note + offset, last, text if offset == 0 else NOTE_INDENT + text, note
        )
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 1)  # a safety net: laid out to fit at 100 %, so it never shrinks below 10.5 pt
    sheet.center_horizontally()
    sheet.set_margins(left=0.5, right=0.5, top=0.45, bottom=0.45)
    sheet.print_area(0, 0, first_note + len(NOTE_TEMPLATES) - 1, last)
    workbook.close()
    return path
