"""The recommender's forms, and the reviewer's reopening of a recommender's list."""

from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Email, Length, Regexp

from forms.base import PortalForm, reason_field, upload_field
from forms.fields import DigitsField, MomentField
from portal.applications.completeness import PHONE_PATTERN
from portal.recommendations.services import SUBMISSION_FIELDS


class ReturnForm(PortalForm):
    reason = reason_field("退回理由", description="企业将看到这段文字，请写明需要补充或修改的内容。")


class ReorderForm(PortalForm):
    """The order of one list after a drag and drop: application ids, comma-separated."""

    scale = HiddenField(validators=[DataRequired()])
    order = HiddenField(validators=[DataRequired(), Regexp(r"^\d+(,\d+)*$")])

    def application_ids(self) -> list[int]:
        return [int(part) for part in self.order.data.split(",")]


def _required(label: str, max_chars: int):
    return StringField(
        label,
        validators=[DataRequired(f"请填写{label}。"), Length(max=max_chars, message=f"{label}不超过 {max_chars} 字。")],
    )


class SubmissionForm(PortalForm):
    """报送信息 and the sealed scan of the 推荐汇总表."""

    lead_department = _required("牵头部门", 80)
    responsible_person = _required("责任人", 40)
    contact_person = _required("联系人", 40)
    contact_phone = DigitsField(
        "联系电话",
        validators=[
            DataRequired("请填写联系电话。"),
            Regexp(PHONE_PATTERN.pattern, message="请输入手机号码或带区号的固定电话，如 010-12345678。"),
        ],
    )
    contact_email = StringField(
        "电子邮箱", validators=[DataRequired("请填写电子邮箱。"), Email("邮箱格式不正确。", check_deliverability=False)]
    )
    sealed_scan = upload_field(
        "盖章扫描件",
        required="请上传加盖公章的推荐汇总表扫描件。",
        description="导出汇总表、打印盖章后扫描上传：PDF、JPG 或 PNG",
    )

    def details(self) -> dict:
        return {name: self[name].data for name in SUBMISSION_FIELDS}


class UnlockForm(PortalForm):
    """A ministry reviewer reopens a recommender's list, with a reason and a new deadline."""

    reason = reason_field("解锁理由", max_chars=500)
    until = MomentField(
        "重新开放至",
        required="请填写重新开放的截止时间。",
        description="北京时间；到时自动锁定，推荐单位须在此前重新报送。",
    )
