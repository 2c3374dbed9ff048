"""What every form shares: Chinese messages, no control characters, the CSRF-only form, written reasons,
checked uploads.

A single-line field (a name, a subject's source, a phone number) refuses every control character:
a CR/LF there would end up in an e-mail header or a file name. A multi-line field keeps line breaks
and tabs and refuses the other control characters.
"""

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import FieldList, FormField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation

from portal.core.reasons import REASON_MIN_CHARS
from portal.files import UploadRejected, check_upload, is_upload

SINGLE_LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MULTI_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SINGLE_LINE_MESSAGE = "请填写一行文字，不能包含换行符或控制字符。"
MULTI_LINE_MESSAGE = "内容含有不允许的控制字符，请删除后重新提交。"


def _leaf_fields(fields):
    for field in fields:
        if isinstance(field, FormField):
            field.form._errors = None  # its cached error summary changes with the fields' errors
            yield from _leaf_fields(field.form)
        elif isinstance(field, FieldList):
            yield from _leaf_fields(field.entries)
        else:
            yield field


def control_character_problem(field) -> str | None:
    """Why the text of ``field`` is refused, or ``None``."""
    if not isinstance(field, StringField) or isinstance(field, PasswordField) or not isinstance(field.data, str):
        return None
    if isinstance(field, TextAreaField):
        return MULTI_LINE_MESSAGE if MULTI_LINE_FORBIDDEN.search(field.data) else None
    return SINGLE_LINE_MESSAGE if SINGLE_LINE_FORBIDDEN.search(field.data) else None


class PortalForm(FlaskForm):
    class Meta:
        locales = ["zh"]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in _leaf_fields(self):
            problem = control_character_problem(field)
            if problem:
                field.errors = [*field.errors, problem]
                valid = False
        self._errors = None
        return valid


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
