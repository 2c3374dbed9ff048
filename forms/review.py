"""The ministry reviewers' and experts' forms."""

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from forms.base import PortalForm, reason_field, upload_field
from portal.reference import REGIONS
from portal.rereview.models import ReReviewOutcome
from portal.review.models import DecisionOutcome, ExpertOpinion


class ExpertForm(PortalForm):
    name = StringField("姓名", validators=[DataRequired("请填写姓名。"), Length(max=40)])
    organisation = StringField(
        "工作单位",
        validators=[DataRequired("请填写工作单位。"), Length(max=120)],
        description="与候选企业或其推荐单位相同者自动回避。",
    )
    region = SelectField(
        "所在地区",
        choices=[("", "请选择")] + [(r, r) for r in REGIONS],
        validators=[DataRequired("请选择所在地区。")],
        description="与候选企业同一地区者自动回避。",
    )
    specialities = StringField(
        "专业领域", validators=[Optional(), Length(max=200)], description="如：电力装备、仪器仪表、测量管理体系"
    )
    username = StringField(
        "登录名",
        validators=[
            DataRequired("请填写登录名。"),
            Regexp(r"^[a-z0-9][a-z0-9_.-]{2,39}$", message="登录名为 3–40 位小写字母、数字、点、横线或下划线。"),
        ],
    )
    email = EmailField(
        "邮箱",
        validators=[DataRequired("请填写专家的邮箱。"), Email("邮箱格式不正确。", check_deliverability=False)],
        description="设置密码的一次性链接发送到此邮箱，由专家本人设置密码。",
    )


class AssignForm(PortalForm):
    expert_id = SelectField("评审专家", coerce=int, validators=[DataRequired("请选择专家。")])


class AutoAssignForm(PortalForm):
    experts_per_candidate = IntegerField(
        "每家候选的专家人数",
        default=3,
        validators=[DataRequired("请填写人数。"), NumberRange(min=1, max=9, message="人数应在 1–9 之间。")],
    )


class ConflictForm(PortalForm):
    expert_id = SelectField("评审专家", coerce=int, validators=[DataRequired("请选择专家。")])
    reason = reason_field("回避原因")


class SiteVisitForm(PortalForm):
    visited_on = DateField("核查日期", validators=[DataRequired("请填写核查日期。")])
    team = StringField("核查组成员", validators=[DataRequired("请填写核查组成员。"), Length(max=200)])
    findings = TextAreaField("核查发现", validators=[DataRequired("请填写核查发现。"), Length(max=5000)])
    report = upload_field("核查报告（可选）")


class DecisionForm(PortalForm):
    outcome = RadioField(
        "评审决定", choices=DecisionOutcome.choices(), validators=[DataRequired("请选择入选或未入选。")]
    )
    reason = reason_field("决定理由")


class PublishForm(PortalForm):
    confirm = BooleanField("我已核对全部评审决定，确认公布名单", validators=[DataRequired("请勾选确认。")])


def score_form_class(criteria):
    """A form with a score and a comment per criterion of the campaign's rubric."""

    class ScoreForm(PortalForm):
        opinion = RadioField("评审意见", choices=ExpertOpinion.choices(), validators=[Optional()])
        comment = TextAreaField("总体评语", validators=[Optional(), Length(max=2000)])

    for criterion in criteria:
        setattr(
            ScoreForm,
            f"score_{criterion.id}",
            DecimalField(
                f"{criterion.name}（{criterion.min_score}–{criterion.max_score} 分）",
                places=1,
                validators=[
                    Optional(),
                    NumberRange(
                        min=criterion.min_score,
                        max=criterion.max_score,
                        message=f"分数应在 {criterion.min_score}–{criterion.max_score} 之间。",
                    ),
                ],
                render_kw={
                    "step": "0.5",
                    "min": criterion.min_score,
                    "max": criterion.max_score,
                    "inputmode": "decimal",
                },
            ),
        )
        setattr(
            ScoreForm,
            f"comment_{criterion.id}",
            TextAreaField(f"{criterion.name}评语", validators=[Optional(), Length(max=1000)]),
        )
    return ScoreForm


class OpenRoundForm(PortalForm):
    name = StringField(
        "复核名称",
        validators=[DataRequired("请填写复核名称。"), Length(max=80)],
        description="如：2027年度工业计量标杆示范单位定期复核",
    )
    opens_at = DateTimeLocalField("开始时间", format="%Y-%m-%dT%H:%M", validators=[DataRequired("请填写开始时间。")])
    closes_at = DateTimeLocalField(
        "单位提交截止", format="%Y-%m-%dT%H:%M", validators=[DataRequired("请填写截止时间。")], description="北京时间"
    )


class ConcludeForm(PortalForm):
    outcome = RadioField("复核结论", choices=ReReviewOutcome.choices(), validators=[DataRequired("请选择保持或撤销。")])
    reason = reason_field("结论理由")
    evidence = upload_field("依据材料（可选）", description="如核查报告：PDF、JPG 或 PNG")


class CriterionForm(Form):
    """One line of the rubric; a line left without a name is dropped."""

    name = StringField("评分项", validators=[Optional(), Length(max=60)])
    description = StringField("说明", validators=[Optional(), Length(max=300)])
    weight = DecimalField(
        "权重", places=0, validators=[Optional(), NumberRange(min=0, max=100, message="权重应在 0–100 之间。")]
    )
    min_score = IntegerField("最低分", default=0, validators=[Optional()])
    max_score = IntegerField("最高分", default=100, validators=[Optional()])


class RubricForm(PortalForm):
    criteria = FieldList(FormField(CriterionForm), min_entries=1)

    def rows(self) -> list[dict]:
        return [entry.data for entry in self.criteria if (entry.data["name"] or "").strip()]
