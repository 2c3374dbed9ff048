"""``/admin/import``: choose a kind, download its template or what the portal holds, upload a sheet,
see the preview (and its errors as a workbook), confirm."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.imports import ConfirmImportForm, ImportForm
from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.core.auth import require_role
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.transactions import refuse
from portal.exports.spreadsheets import send_workbook
from portal.imports import services
from portal.imports.kinds import KINDS
from portal.imports.pending import discard_pending, pending_import, remember_plan, store_pending
from portal.imports.reader import UnreadableWorkbook
from portal.imports.sheets import write_error_sheet, write_holdings, write_template

bp = Blueprint("imports", __name__, url_prefix="/admin/import")
bp.before_request(require_role(Role.ADMIN))

SHOWN_ROWS = 200  # of each list on the preview page; the error workbook has them all


@bp.route("/", methods=["GET", "POST"])
def index():
    """The kinds with their templates, the upload form and the latest imports."""
    form = ImportForm()
    if form.validate_on_submit():
        kind = KINDS[form.kind.data]
        try:
            unavailable = kind.why_unavailable()
            if unavailable:
                raise RuleViolation(unavailable)
            store_pending(form.workbook.data, kind)
        except (UnreadableWorkbook, RuleViolation) as error:
            refuse(RuleViolation(str(error)), form.workbook)
        else:
            return redirect(url_for("imports.preview"))
    latest = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "import.confirm").order_by(AuditEntry.id.desc()).limit(10)
    ).all()
    return render_template("imports/index.html", form=form, kinds=KINDS, latest=latest), 422 if form.errors else 200


def _pending_or_back():
    pending = pending_import()
    if pending is None:
        flash("没有待确认的导入文件，请重新上传。", "warning")
    return pending


def _start_again(error: Exception):
    """The pending file cannot be read (or imported now): drop it and say why on the upload page."""
    db.session.rollback()
    discard_pending()
    flash(str(error), "danger")
    return redirect(url_for("imports.index"))


@bp.get("/preview")
def preview():
    """What confirming would do: counts, the errors with row and column, the rows to create or update."""
    pending = _pending_or_back()
    if pending is None:
        return redirect(url_for("imports.index"))
    try:
        result = services.preview_import(pending.kind, pending.path)
    except (UnreadableWorkbook, RuleViolation) as error:
        return _start_again(error)
    remember_plan(result.fingerprint)
    return render_template(
        "imports/preview.html",
        pending=pending,
        preview=result,
        shown=SHOWN_ROWS,
        form=ConfirmImportForm(token=pending.token),
    )


@bp.get("/errors.xlsx")
def errors():
    """The rows in error with their messages beside them, to correct and import again."""
    pending = pending_import() or abort(404)
    try:
        result = services.preview_import(pending.kind, pending.path)
    except (UnreadableWorkbook, RuleViolation):
        abort(404)
    return send_workbook(write_error_sheet(result), f"导入错误-{pending.kind.label}.xlsx", "import-errors.xlsx")


@bp.post("/confirm")
def confirm():
    """Apply the previewed file in one transaction; any row that fails now refuses the whole import."""
    form = ConfirmImportForm()
    pending = pending_import(form.token.data) if form.validate() else None
    if pending is None:
        flash("该导入已确认、已被新的上传替换或已过期，请重新上传。", "warning")
        return redirect(url_for("imports.index"))
    try:
        result = services.confirm_import(pending.kind, pending.path, pending.file_name, pending.planned, current_user)
    except UnreadableWorkbook as error:
        return _start_again(error)
    discard_pending()
    flash(
        f"已导入{pending.kind.label}：新增 {result.count(services.CREATE)} 行，更新 {result.count(services.UPDATE)} 行，"
        f"未变 {result.count(services.UNCHANGED)} 行。",
        "success",
    )
    return redirect(url_for("imports.index"))


@bp.get("/<kind>/template.xlsx")
def template(kind: str):
    chosen = KINDS.get(kind) or abort(404)
    return send_workbook(write_template(chosen), f"导入模板-{chosen.label}.xlsx", f"import-template-{kind}.xlsx")


@bp.get("/<kind>/current.xlsx")
def holdings(kind: str):
    """What the portal holds of ``kind``, in the template's layout."""
    chosen = KINDS.get(kind) or abort(404)
    return send_workbook(write_holdings(chosen), f"现有数据-{chosen.label}.xlsx", f"import-current-{kind}.xlsx")
