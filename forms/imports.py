"""The administrators' import form: what to import and the sheet. The sheet's content is checked by
``portal.imports.reader`` once stored (size, a real xlsx, no ZIP bomb), with its message beside the field."""

from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField
from wtforms.validators import DataRequired, StopValidation

from forms.base import PortalForm
from portal.files import is_upload
from portal.imports.kinds import KINDS
from portal.imports.reader import MAX_BYTES, MAX_ROWS


def _chosen(form, field):
    if not is_upload(field.data):
        raise StopValidation("请选择要导入的 Excel 文件。")


class ImportForm(PortalForm):
    kind = RadioField(
        "导入内容",
        choices=[(code, kind.label) for code, kind in KINDS.items()],
        validators=[DataRequired("请选择导入内容。")],
    )
    workbook = FileField(
        "Excel 文件",
        validators=[_chosen],
        description=f"用本页的模板填写的 .xlsx 文件，不超过 {MAX_BYTES // 1024 // 1024} MB、{MAX_ROWS:,} 行。",
        render_kw={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )


class ConfirmImportForm(PortalForm):
    """Confirms the previewed file: its token must still be the session's pending import."""

    token = HiddenField(validators=[DataRequired()])
