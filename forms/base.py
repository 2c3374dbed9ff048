"""What every form shares: Chinese messages, the CSRF-only form, written reasons, checked uploads."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation

from portal.core.reasons import REASON_MIN_CHARS
from portal.files import UploadRejected, check_upload, is_upload


class PortalForm(FlaskForm):
    class Meta:
        locales = ["zh"]


class ActionForm(PortalForm):
    """A button that changes state: only the CSRF token."""


def reason_field(label: str, max_chars: int = 1000, description: str | None = None) -> TextAreaField:
    """A written reason, at least :data:`REASON_MIN_CHARS` characters (the services check it again)."""
    return TextAreaField(
        label,
        validators=[
            DataRequired(f"请填写{label}。"),
            Length(min=REASON_MIN_CHARS, max=max_chars, message=f"{label}应为 {REASON_MIN_CHARS}–{max_chars} 字。"),
        ],
        description=description,
    )


class AcceptedUpload:
    """A WTForms validator: the chosen file is a PDF, JPG or PNG by content, within the size limit.

    ``required`` is the message when no file was chosen; without it the field is optional.
    """

    def __init__(self, required: str | None = None):
        self.required = required

    def __call__(self, form, field):
        if not is_upload(field.data):
            if self.required:
                raise StopValidation(self.required)
            return
        try:
            check_upload(field.data)
        except UploadRejected as error:
            raise StopValidation(str(error)) from None


def upload_field(label: str, required: str | None = None, description: str = "PDF、JPG 或 PNG") -> FileField:
    return FileField(label, validators=[AcceptedUpload(required)], description=description)
