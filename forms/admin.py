"""The administrators' forms."""

from wtforms import EmailField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from forms.base import PortalForm
from forms.fields import MomentField, login_field
from portal.accounts.models import OrganisationKind, Role
from portal.campaigns.models import (
    DEFAULT_ISSUING_AUTHORITIES,
    NOTICE_LARGE_MIN_EMPLOYEES,
    NOTICE_LARGE_MIN_REVENUE,
    NOTICE_QUOTA,
    SampleSettings,
    authority_names,
)
from portal.campaigns.services import DATE_ORDER_PROBLEM, dates_in_order
from portal.reference import ORGANISATION_REGIONS

STAFF_ROLES = [(role.value, role.label) for role in Role if role != Role.ENTERPRISE]


def _moment(label: str):
    return MomentField(label, required=f"请填写{label}。", description="北京时间")


def _count(label: str, minimum: int = 0, default: int | None = None):
    return IntegerField(
        label,
        default=default,
        validators=[
            DataRequired(f"请填写{label}。") if minimum else Optional(),
            NumberRange(min=minimum, message=f"{label}不能小于 {minimum}。"),
        ],
    )


def _percent(label: str, default: int, description: str):
    return IntegerField(
        label,
        default=default,
        description=description,
        validators=[
            DataRequired(f"请填写{label}。"),
            NumberRange(min=1, max=100, message=f"{label}应在 1–100 之间。"),
        ],
    )


class CampaignForm(PortalForm):
    name = StringField("批次名称", validators=[DataRequired("请填写批次名称。"), Length(max=80)])
    year = IntegerField(
        "年度", validators=[DataRequired("请填写年度。"), NumberRange(min=2017, max=2100, message="年度不正确。")]
    )
    opens_at = _moment("申报开始")
    closes_at = _moment("申报截止")
    recommend_deadline = _moment("推荐报送截止")
    scoring_deadline = MomentField("专家评分截止", description="北京时间；显示在专家的评审任务页，可不填")
    quota_large = IntegerField(
        "大型企业推荐名额（每个推荐单位）",
        default=NOTICE_QUOTA,
        validators=[NumberRange(min=0, max=50, message="名额应在 0–50 之间。")],
    )
    quota_sme = IntegerField(
        "中小型企业推荐名额（每个推荐单位）",
        default=NOTICE_QUOTA,
        validators=[NumberRange(min=0, max=50, message="名额应在 0–50 之间。")],
    )
    large_min_employees = _count("大型企业从业人员下限（人）", 1, default=NOTICE_LARGE_MIN_EMPLOYEES)
    large_min_revenue = _count("大型企业营业收入下限（万元）", 1, default=NOTICE_LARGE_MIN_REVENUE)

    issuing_authorities = StringField(
        "发文机关",
        default=DEFAULT_ISSUING_AUTHORITIES,
        validators=[DataRequired("请填写发文机关。"), Length(max=200, message="不超过 200 字。")],
        description="印在申报书封面和公布名单上，按署名顺序，以空格或顿号分隔。",
    )

    rereview_sample_rate = _percent(
        "定期复核现场检查抽取比例（%）", SampleSettings().rate, "每轮至少抽取的单位比例；上轮限期整改的单位必查"
    )
    rereview_pass_threshold = _percent(
        "保持率阈值（%）", SampleSettings().pass_threshold, "上轮未经整改即保持的单位占比低于此值时，提高抽取比例"
    )
    rereview_raised_rate = _percent("提高后的抽取比例（%）", SampleSettings().raised_rate, "")

    def validate_issuing_authorities(self, field):
        names = authority_names(field.data)
        if not 1 <= len(names) <= 4:
            raise ValidationError("请填写 1 至 4 个发文机关。")
        if any(len(name) > 40 for name in names):
            raise ValidationError("每个机关名称不超过 40 字。")

    def validate_recommend_deadline(self, field):
        moments = (self.opens_at.data, self.closes_at.data, field.data)
        if all(moments) and not dates_in_order(*moments):
            raise ValidationError(DATE_ORDER_PROBLEM)


class OrganisationForm(PortalForm):
    name = StringField("单位名称", validators=[DataRequired("请填写单位名称。"), Length(max=120)])
    kind = SelectField("类型", choices=OrganisationKind.choices())
    region = SelectField("地区", choices=[(r, r) for r in ORGANISATION_REGIONS])
    lead_department = StringField(
        "牵头部门", validators=[Optional(), Length(max=120)], description="负责组织推荐的处室或部门，可不填"
    )


class InviteForm(PortalForm):
    username = login_field()
    display_name = StringField("姓名或部门", validators=[DataRequired("请填写姓名或部门。"), Length(max=60)])
    email = EmailField(
        "邮箱",
        validators=[Optional(), Email("邮箱格式不正确。", check_deliverability=False)],
        description="设置密码的链接将发送到此邮箱，也会显示在本页。",
    )
    role = SelectField("角色", choices=STAFF_ROLES)
    organisation_id = SelectField("所属单位", coerce=int, validators=[Optional()], description="推荐单位账号必填")


class RoleForm(PortalForm):
    role = SelectField("角色", choices=STAFF_ROLES)
    organisation_id = SelectField("所属单位", coerce=int, validators=[Optional()])


class ClaimDecisionForm(PortalForm):
    decision = RadioField(
        "处理结果",
        choices=[("approve", "核实属实：将代码交给申请单位"), ("reject", "不予支持")],
        validators=[DataRequired("请选择处理结果。")],
    )
    reason = TextAreaField(
        "理由",
        validators=[DataRequired("请填写理由。"), Length(min=5, max=500, message="理由应为 5–500 字。")],
        description="如：营业执照与代码、单位名称一致，已电话核实。",
    )
