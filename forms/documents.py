"""Forms of the documents package."""

import re

from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from forms.base import PortalForm

SEPARATORS = re.compile(r"[\s、，,；;]+")


def authority_names(text: str | None) -> list[str]:
    """The names typed, separated by spaces, 、 or commas."""
    return [name for name in SEPARATORS.split(text or "") if name]


class IssuingAuthoritiesForm(PortalForm):
    issuing_authorities = StringField(
        "发文机关",
        validators=[DataRequired(message="请填写发文机关。"), Length(max=200, message="不超过 200 字。")],
        description="按署名顺序填写，以空格或顿号分隔，例如：国家市场监督管理总局 工业和信息化部。",
    )

    def validate_issuing_authorities(self, field):
        names = authority_names(field.data)
        if not 1 <= len(names) <= 4:
            raise ValidationError("请填写 1 至 4 个发文机关。")
        if any(len(name) > 40 or not name.isprintable() for name in names):
            raise ValidationError("每个机关名称不超过 40 字，不含控制字符。")
