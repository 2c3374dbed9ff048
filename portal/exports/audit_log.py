"""The audit log as a workbook: every entry of a filtered query, streamed."""

from portal.audit_text import action_label, describe_detail, object_label
from portal.core.extensions import db
from portal.core.timeutil import to_local
from portal.exports.spreadsheets import COUNT, DATETIME, Column, SheetWriter, new_workbook

AUDIT_COLUMNS = [
    Column("时间", 17, DATETIME),
    Column("操作人", 20),
    Column("操作", 24),
    Column("操作代码", 24),
    Column("对象类型", 12),
    Column("对象编号", 10, COUNT),
    Column("详情", 70),
    Column("IP 地址", 16),
]


def write_audit_log(query) -> str:
    """``query`` yields ``(AuditEntry, username)`` rows; returns the workbook's path."""
    rows = (
        [
            to_local(entry.at).replace(tzinfo=None),
            username,
            action_label(entry.action),
            entry.action,
            object_label(entry.object_type),
            entry.object_id,
            describe_detail(entry.detail) or None,
            entry.ip_address,
        ]
        for entry, username in db.session.execute(query.execution_options(yield_per=1000))
    )
    workbook, path = new_workbook()
    SheetWriter(workbook).table(workbook.add_worksheet("操作日志"), AUDIT_COLUMNS, rows)
    workbook.close()
    return path
