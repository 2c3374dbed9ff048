"""The applications addressed to a recommender: key fields and the 33 self-check answers."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.applications.models import Application
from portal.core.extensions import db
from portal.core.timeutil import to_local
from portal.exports.spreadsheets import TableFormats, new_workbook, write_table
from portal.selfcheck import SELF_CHECK_ITEMS

KEY_COLUMNS = [
    ("序号", 6),
    ("申报单位名称", 30),
    ("统一社会信用代码", 21),
    ("企业规模", 9),
    ("所处行业", 16),
    ("所在省份", 10),
    ("所在城市", 10),
    ("企业性质", 12),
    ("从业人员（人）", 10),
    ("营业收入（万元）", 12),
    ("资产总额（万元）", 12),
    ("联系人", 10),
    ("电话", 14),
    ("邮箱", 22),
    ("状态", 9),
    ("提交时间", 16),
    ("自查√", 7),
    ("自查×", 7),
    ("自查—", 7),
]
BATCH = 500


def application_list_rows(where):
    """One row per application matching ``where``, loaded in batches of :data:`BATCH`."""
    query = (
        select(Application)
        .where(where)
        .order_by(Application.submitted_at, Application.id)
        .options(joinedload(Application.enterprise), selectinload(Application.self_check_answers))
        .execution_options(yield_per=BATCH)
    )
    for number, application in enumerate(db.session.scalars(query), start=1):
        answers = {answer.item_code: answer.answer.label for answer in application.self_check_answers if answer.answer}
        counts = [sum(1 for label in answers.values() if label == mark) for mark in ("√", "×", "—")]
        yield [
            number,
            application.org_name,
            application.enterprise.uscc,
            application.scale.label if application.scale else "",
            application.industry,
            application.province,
            application.city,
            application.ownership,
            application.employees,
            application.revenue,
            application.total_assets,
            application.contact_name,
            application.contact_phone,
            application.contact_email,
            application.status.label,
            to_local(application.submitted_at),
            *counts,
            *(answers.get(item.code, "") for item in SELF_CHECK_ITEMS),
        ]


def write_application_list(where) -> str:
    """The workbook: 申报书列表 and 自查项目说明 (what each item code means). Returns its path."""
    workbook, path = new_workbook()
    formats = TableFormats(workbook)
    sheet = workbook.add_worksheet("申报书列表")
    headers = KEY_COLUMNS + [(f"自查{item.code}", 7) for item in SELF_CHECK_ITEMS]
    write_table(sheet, headers, application_list_rows(where), formats)
    legend = workbook.add_worksheet("自查项目说明")
    write_table(
        legend,
        [("编号", 8), ("类别", 20), ("项目", 26), ("主要内容", 60)],
        ([item.code, item.group, item.topic, item.content] for item in SELF_CHECK_ITEMS),
        formats,
    )
    workbook.close()
    return path
