"""The ministry reviewers' and experts' forms, and the 定期复核 forms of reviewers and units."""

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from forms.base import PortalForm, reason_field, upload_field
from forms.fields import MomentField, login_field
from portal.reference import REGIONS
from portal.rereview.models import ReReviewConclusion
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
    username = login_field()
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


class OnSiteCheckForm(SiteVisitForm):
    """现场检查 of a re-review: a site visit with its result."""

    passed = RadioField(
        "检查结果", choices=[("yes", "合格"), ("no", "不合格")], validators=[DataRequired("请选择检查结果。")]
    )


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
    opens_at = MomentField("开始时间", required="请填写开始时间。")
    closes_at = MomentField("单位提交截止", required="请填写截止时间。", description="北京时间")
    sample_rate = IntegerField(
        "现场检查抽取比例（%）",
        validators=[
            DataRequired("请填写抽取比例。"),
            NumberRange(min=1, max=100, message="抽取比例应在 1–100 之间。"),
        ],
    )


def _required_to_rectify(form, field):
    """The deadline is required for 限期整改 and ignored otherwise (like ``Optional``)."""
    if field.raw_data and field.raw_data[0].strip():
        return
    if form.outcome.data == ReReviewConclusion.RECTIFY:
        raise StopValidation("限期整改请填写整改期限。")
    field.errors[:] = []
    raise StopValidation()


class ConcludeForm(PortalForm):
    outcome = RadioField(
        "复核结论", choices=ReReviewConclusion.choices(), validators=[DataRequired("请选择保持、限期整改或撤销。")]
    )
    reason = reason_field("结论理由或整改要求")
    deadline = MomentField("整改期限", presence=_required_to_rectify, description="限期整改时填写（北京时间）")
    evidence = upload_field(
        "依据材料（可选）", description="如检查报告、整改通知书：PDF、JPG 或 PNG；限期整改时单位可查看"
    )


class RectificationReportForm(PortalForm):
    note = TextAreaField("整改情况说明", validators=[Optional(), Length(max=2000, message="不超过 2000 字。")])
    report = upload_field("整改报告", required="请上传整改报告。")
    evidence = upload_field("其他证明材料（可选）")


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


# --- bulk decisions on the candidates list --------------------------------------------------------

BULK_RULES = [
    ("rows", "勾选的候选"),
    ("mean", "均分不低于"),
    ("top", "各规模均分前 N 名"),
]
FILTER_KEYS = ("q", "recommender", "scale", "industry", "region", "decision", "sort")


class IdListField(Field):
    """Candidate ids, from checkboxes (one value each) or one hidden field (comma separated).

    Anything that is not a plain number makes the field invalid: a tampered post gets a message, not a 500.
    """

    widget = HiddenInput()

    def _value(self) -> str:
        return ",".join(str(number) for number in self.data or [])

    def process_formdata(self, valuelist):
        self.data, self.garbage = [], False
        for value in valuelist:
            for part in value.split(","):
                part = part.strip()
                if not part:
                    continue
                if part.isascii() and part.isdigit() and len(part) <= 9:
                    self.data.append(int(part))
                else:
                    self.garbage = True
        self.data = list(dict.fromkeys(self.data))

    def pre_validate(self, form):
        if getattr(self, "garbage", False):
            raise ValidationError("所选候选的编号无效，请返回列表重新勾选。")
        if len(self.data or []) > 500:
            raise ValidationError("一次最多选择 500 家。")


class BulkSelectForm(PortalForm):
    """On the candidates list: whom (ticked rows, or a rule over the filtered list) and which decision."""

    rule = RadioField("选择方式", choices=BULK_RULES, default="rows")
    ids = IdListField("勾选的候选")
    min_mean = DecimalField(
        "均分不低于",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100, message="均分应在 0–100 之间。")],
        render_kw={"inputmode": "decimal", "step": "0.01", "min": 0, "max": 100, "placeholder": "如 85"},
    )
    top_n = IntegerField(
        "各规模前几名",
        validators=[Optional(), NumberRange(min=1, max=100, message="名次应在 1–100 之间。")],
        render_kw={"inputmode": "numeric", "min": 1, "max": 100, "placeholder": "如 5"},
    )
    outcome = RadioField("决定", choices=DecisionOutcome.choices(), validators=[DataRequired("请选择入选或未入选。")])
    filters = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.rule.data == "rows" and not self.ids.errors and not self.ids.data:
            self.ids.errors = ["请先勾选候选单位，或改用按规则选择。"]
            valid = False
        if self.rule.data == "mean" and self.min_mean.data is None and not self.min_mean.errors:
            self.min_mean.errors = ["请填写均分下限。"]
            valid = False
        if self.rule.data == "top" and self.top_n.data is None and not self.top_n.errors:
            self.top_n.errors = ["请填写各规模取前几名。"]
            valid = False
        return valid


class BulkDecisionForm(PortalForm):
    """On the preview: the candidates shown, the decision, and one reason for all of them."""

    ids = IdListField("候选")
    outcome = HiddenField("决定", validators=[DataRequired(), AnyOf([value for value, _ in DecisionOutcome.choices()])])
    reason = reason_field("决定理由")
    filters = HiddenField()
