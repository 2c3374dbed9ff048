"""The applications addressed to a recommender: key fields and the 33 self-check answers."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.applications.models import Application
from portal.core.extensions import db
from portal.core.timeutil import to_local
from portal.exports.spreadsheets import AMOUNT, COUNT, DATETIME, Column, SheetWriter, as_number, new_workbook
from portal.selfcheck import SELF_CHECK_ITEMS

KEY_COLUMNS = [
    Column("序号", 6, COUNT),
    Column("申报单位名称", 30),
    Column("统一社会信用代码", 21),
    Column("企业规模", 9),
    Column("所处行业", 16),
    Column("所在省份", 10),
    Column("所在城市", 10),
    Column("企业性质", 12),
    Column("从业人员（人）", 10, COUNT),
    Column("营业收入（万元）", 12, AMOUNT),
    Column("资产总额（万元）", 12, AMOUNT),
    Column("联系人", 10),
    Column("电话", 14),
    Column("邮箱", 22),
    Column("状态", 9),
    Column("提交时间", 16, DATETIME),
    Column("自查√", 7, COUNT),
    Column("自查×", 7, COUNT),
    Column("自查—", 7, COUNT),
]
LEGEND_COLUMNS = [Column("编号", 8), Column("类别", 20), Column("项目", 26), Column("主要内容", 60)]
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
            application.scale.label if application.scale else None,
            application.industry,
            application.province,
            application.city,
            application.ownership,
            application.employees,
            as_number(application.revenue),
            as_number(application.total_assets),
            application.contact_name,
            application.contact_phone,
            application.contact_email,
            application.status.label,
            _naive(to_local(application.submitted_at)),
            *counts,
            *(answers.get(item.code, "") for item in SELF_CHECK_ITEMS),
        ]


def _naive(moment):
    return None if moment is None else moment.replace(tzinfo=None)


def write_application_list(where) -> str:
    """The workbook: 申报书列表 and 自查项目说明 (what each item code means). Returns its path."""
    workbook, path = new_workbook()
    writer = SheetWriter(workbook)
    columns = KEY_COLUMNS + [Column(f"自查{item.code}", 7) for item in SELF_CHECK_ITEMS]
    writer.table(workbook.add_worksheet("申报书列表"), columns, application_list_rows(where))
    legend = ([item.code, item.group, item.topic, item.content] for item in SELF_CHECK_ITEMS)
    writer.table(workbook.add_worksheet("自查项目说明"), LEGEND_COLUMNS, legend)
    workbook.close()
    return path
