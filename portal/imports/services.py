"""Preview and confirm an import. The preview writes nothing; confirming re-reads and re-checks the
file and applies every row in the request's one transaction, or raises and applies nothing.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from portal.accounts.models import User
from portal.audit import record_audit
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.models_base import LabelledEnum
from portal.imports.columns import CellProblem
from portal.imports.kinds import Holdings, ImportKind
from portal.imports.reader import SheetRow, read_rows

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"


@dataclass
class RowOutcome:
    """What confirming would do with one row, or why it cannot."""

    number: int  # the row's number in Excel
    texts: dict[str, str]  # header → the cell's text, as read
    action: str = ERROR
    values: dict = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (header, message)
    changes: dict[str, tuple] = field(default_factory=dict)  # field → (before, after)
    target: object = None


@dataclass
class Preview:
    kind: ImportKind
    holdings: Holdings
    rows: list[RowOutcome] = field(default_factory=list)
    skipped_example: bool = False

    def of(self, action: str) -> list[RowOutcome]:
        return [row for row in self.rows if row.action == action]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def fingerprint(self) -> str:
        """A digest of what confirming would do, row by row, with the values before and after."""
        plan = [(row.number, row.action, _audit_changes(row)) for row in self.rows if row.action != ERROR]
        return hashlib.sha256(json.dumps(plan, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    @property
    def errors(self) -> list[tuple[int, str, str]]:
        """Every problem as (row number, column header, message), in row order."""
        return [(row.number, header, message) for row in self.rows for header, message in row.errors]


def preview_import(kind: ImportKind, path: str) -> Preview:
    """What importing the file would do, row by row. Reads only; raises ``UnreadableWorkbook``."""
    unavailable = kind.why_unavailable()
    if unavailable:
        raise RuleViolation(unavailable)
    return _preview(kind, read_rows(path, kind.headers), kind.holdings())


def _preview(kind: ImportKind, sheet_rows: Iterable[SheetRow], holdings: Holdings) -> Preview:
    preview = Preview(kind, holdings)
    first_row_of: dict[tuple, int] = {}
    example = {kind.column(name).header: text for name, text in kind.example.items()}
    for sheet_row in sheet_rows:
        if sheet_row.texts == example:
            preview.skipped_example = True
            continue
        outcome = _parse(kind, sheet_row)
        if not outcome.errors:
            _compare(kind, outcome, holdings, first_row_of)
        preview.rows.append(outcome)
    return preview


def _parse(kind: ImportKind, sheet_row: SheetRow) -> RowOutcome:
    outcome = RowOutcome(sheet_row.number, sheet_row.texts)
    for column in kind.columns:
        text = sheet_row.texts[column.header]
        if column.header in sheet_row.problems:
            outcome.errors.append((column.header, sheet_row.problems[column.header]))
        elif not text:
            if column.required:
                outcome.errors.append((column.header, f"请填写{column.header}。"))
            outcome.values[column.field] = None
        else:
            try:
                outcome.values[column.field] = column.parse(text)
            except CellProblem as problem:
                outcome.errors.append((column.header, str(problem)))
    return outcome


def _compare(kind: ImportKind, outcome: RowOutcome, holdings: Holdings, first_row_of: dict[tuple, int]) -> None:
    """Match the row by its natural key: a repeat within the file, a check against the portal, the changes."""
    key = kind.key(outcome.values)
    if key in first_row_of:
        header = kind.column(kind.key_fields[-1]).header
        outcome.errors.append((header, f"与第 {first_row_of[key]} 行重复。"))
        return
    first_row_of[key] = outcome.number
    known = holdings.existing.get(key)
    for name, message in kind.check(outcome.values, known, holdings):
        outcome.errors.append((kind.column(name).header, message))
    if outcome.errors:
        return
    if known is None:
        outcome.action = CREATE
        return
    outcome.target = known[0]
    outcome.changes = {
        name: (before, outcome.values[name]) for name, before in known[1].items() if before != outcome.values[name]
    }
    outcome.action = UPDATE if outcome.changes else UNCHANGED


def confirm_import(kind: ImportKind, path: str, file_name: str, planned: str | None, user: User) -> Preview:
    """Apply the file: every row created or updated, each in the audit log under the import, or nothing.

    The file is read and checked again here, in the same transaction as the writes, so a row that is
    not valid now refuses the whole import; and so does a row that would now do something else than the
    preview ``planned`` showed (someone changed the portal since), rather than overwrite it unseen.
    """
    preview = preview_import(kind, path)
    if preview.errors:
        raise RuleViolation(f"文件中有 {len(preview.errors)} 处错误，未导入任何数据。请修改后重新上传。")
    if preview.fingerprint != planned:
        raise RuleViolation("预览之后系统中的数据已有变化，未导入任何数据：请查看更新后的预览，再确认导入。")
    counts = {action: preview.count(action) for action in (CREATE, UPDATE, UNCHANGED)}
    run = record_audit("import.confirm", None, {"kind": kind.code, "file": file_name} | counts, user)
    db.session.flush()
    for row in preview.rows:
        if row.action == CREATE:
            target = kind.create(row.values, preview.holdings, user)
        elif row.action == UPDATE:
            target = row.target
            kind.update(target, row.values, preview.holdings, user)
        else:
            continue
        db.session.flush()
        detail = {"import": run.id, "row": row.number, "changes": _audit_changes(row)}
        record_audit(f"import.{row.action}", target, detail, user)
    return preview


def _audit_changes(row: RowOutcome) -> dict:
    pairs = row.changes or {name: (None, value) for name, value in row.values.items()}
    return {name: [_plain(before), _plain(after)] for name, (before, after) in pairs.items()}


def _plain(value):
    """A value as the audit log keeps it (JSON): an enum by its label, a date as 2019-05-20."""
    if isinstance(value, LabelledEnum):
        return value.label
    return value if value is None or isinstance(value, (int, str)) else str(value)
