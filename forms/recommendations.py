"""The recommender's forms."""
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from forms.base import PortalForm
from portal.recommendations.services import RETURN_REASON_MIN_CHARS


class ReturnForm(PortalForm):
    reason = TextAreaField("退回理由", validators=[
        DataRequired("请填写退回理由。"),
        Length(min=RETURN_REASON_MIN_CHARS, max=1000, message=f"退回理由应为 {RETURN_REASON_MIN_CHARS}–1000 字。"),
    ], description="企业将看到这段文字，请写明需要补充或修改的内容。")


class ActionForm(PortalForm):
    """A button that changes state: only the CSRF token."""
