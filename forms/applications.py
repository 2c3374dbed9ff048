"""The application's section forms.

Validators check formats only where something was typed: a draft saves incomplete. What a
complete application needs is decided by :mod:`portal.applications.completeness`.
"""

from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from forms.base import PortalForm, upload_field
from forms.fields import AmountField, CountField, DigitsField
from portal.applications.completeness import LABELS, NARRATIVE_MIN_CHARS, PHONE_PATTERN, POSTCODE_PATTERN
from portal.applications.models import (
    BEST_PRACTICES_LIMIT,
    WORK_SUMMARY_LIMIT,
    AttachmentKind,
    CertificationKind,
    CertificationStatus,
)
from portal.applications.pledge import PLEDGE_CONFIRMATION
from portal.files import UploadRejected, check_upload, is_upload
from portal.reference import INDUSTRIES, OWNERSHIP_TYPES, REGIONS
from portal.selfcheck import SELF_CHECK_CODES

# Our design (the notice gives no bounds): generous ranges that no real enterprise reaches, well
# within the columns (PostgreSQL INTEGER, NUMERIC(14, 2)).
MAX_EMPLOYEES = 10_000_000
MAX_COUNT = 100_000_000
MAX_AMOUNT_WAN = 1_000_000_000  # 万元: 10 万亿元


def _choices(values):
    return [("", "请选择")] + [(value, value) for value in values]


def _count(field, maximum: int = MAX_COUNT):
    return CountField(LABELS[field], maximum)


def _amount(field, unit: str = "万元"):
    return AmountField(LABELS[field], MAX_AMOUNT_WAN, unit)


class SectionForm(PortalForm):
    """A section of the application; ``version`` guards against saving over newer input."""

    version = HiddenField()

    def field_values(self) -> dict:
        """The typed values of the section's own fields, empty text as ``None``."""
        values = {}
        for name, field in self._fields.items():
            if name in ("version", "csrf_token"):
                continue
            value = field.data
            values[name] = (value.strip() or None) if isinstance(value, str) else value
        return values


class BasicInfoForm(SectionForm):
    org_name = StringField(LABELS["org_name"], validators=[Optional(), Length(max=120)])
    province = SelectField(LABELS["province"], choices=_choices(REGIONS), validators=[Optional()])
    city = StringField(LABELS["city"], validators=[Optional(), Length(max=40)])
    address = StringField(LABELS["address"], validators=[Optional(), Length(max=200)])
    postcode = DigitsField(
        LABELS["postcode"], validators=[Optional(), Regexp(POSTCODE_PATTERN.pattern, message="邮政编码应为 6 位数字。")]
    )
    legal_representative = StringField(LABELS["legal_representative"], validators=[Optional(), Length(max=40)])
    contact_name = StringField(LABELS["contact_name"], validators=[Optional(), Length(max=40)])
    contact_title = StringField(LABELS["contact_title"], validators=[Optional(), Length(max=40)])
    contact_phone = DigitsField(
        LABELS["contact_phone"],
        validators=[
            Optional(),
            Regexp(PHONE_PATTERN.pattern, message="请输入手机号码或带区号的固定电话，如 010-12345678。"),
        ],
    )
    contact_email = StringField(
        LABELS["contact_email"], validators=[Optional(), Email("邮箱格式不正确。", check_deliverability=False)]
    )
    ownership = SelectField(LABELS["ownership"], choices=_choices(OWNERSHIP_TYPES), validators=[Optional()])
    industry = SelectField(LABELS["industry"], choices=_choices(INDUSTRIES), validators=[Optional()])
    employees = _count("employees", MAX_EMPLOYEES)
    revenue = _amount("revenue")
    total_assets = _amount("total_assets")
    main_products = TextAreaField(
        LABELS["main_products"], validators=[Optional(), Length(max=500)], render_kw={"data-maxlength": 500}
    )


class MetrologyForm(SectionForm):
    metrology_department = StringField(
        LABELS["metrology_department"],
        validators=[Optional(), Length(max=80)],
        description="如：计量管理办公室、质量部计量室",
    )
    fulltime_metrology_staff = _count("fulltime_metrology_staff")
    parttime_metrology_staff = _count("parttime_metrology_staff")
    instrument_count = _count("instrument_count")
    highest_standard_count = _count("highest_standard_count")
    key_processes = _count("key_processes")
    important_processes = _count("important_processes")
    general_processes = _count("general_processes")
    is_key_energy_user = SelectField(
        LABELS["is_key_energy_user"],
        choices=[("", "请选择"), ("1", "是"), ("0", "否")],
        coerce=lambda value: None if value in ("", None) else value in (True, "1", "True"),
        validators=[Optional()],
    )
    energy_use_tce = _amount("energy_use_tce", "吨标准煤")


class NarrativeForm(SectionForm):
    work_summary = TextAreaField(
        LABELS["work_summary"],
        validators=[Optional(), Length(max=WORK_SUMMARY_LIMIT, message=f"不超过 {WORK_SUMMARY_LIMIT} 字。")],
        render_kw={"data-maxlength": WORK_SUMMARY_LIMIT, "data-minlength": NARRATIVE_MIN_CHARS},
        description=f"{NARRATIVE_MIN_CHARS}–{WORK_SUMMARY_LIMIT} 字。计量在设计、研发、试验、生产和使用各环节的嵌入情况，应用的先进测量技术等。",
    )
    best_practices = TextAreaField(
        LABELS["best_practices"],
        validators=[Optional(), Length(max=BEST_PRACTICES_LIMIT, message=f"不超过 {BEST_PRACTICES_LIMIT} 字。")],
        render_kw={"data-maxlength": BEST_PRACTICES_LIMIT, "data-minlength": NARRATIVE_MIN_CHARS},
        description=f"{NARRATIVE_MIN_CHARS}–{BEST_PRACTICES_LIMIT} 字。计量在技术创新、产品升级、过程控制、质量提升等方面取得的成效和可推广的经验。",
    )


class PledgeForm(SectionForm):
    pledged = BooleanField(PLEDGE_CONFIRMATION)
    pledge_signatory = StringField(LABELS["pledge_signatory"], validators=[Optional(), Length(max=40)])


class CertificationForm(PortalForm):
    kind = SelectField(
        "类型", choices=[("", "请选择")] + CertificationKind.choices(), validators=[DataRequired("请选择认证类型。")]
    )
    kind_other = StringField("其他认证名称", validators=[Optional(), Length(max=80)], description="类型为“其他”时填写")
    number = StringField("证书编号", validators=[DataRequired("请填写证书编号。"), Length(max=80)])
    issuer = StringField("发证机构", validators=[DataRequired("请填写发证机构。"), Length(max=120)])
    issued_on = DateField("发证日期", validators=[DataRequired("请填写发证日期。")])
    expires_on = DateField("有效期至", validators=[DataRequired("请填写有效期。")])
    status = SelectField("证书状态", choices=CertificationStatus.choices(), default="valid")
    certificate = upload_field("证书扫描件", required="请上传证书扫描件。")
    audit_report = upload_field("最近一次审核报告（可选）")

    def validate_expires_on(self, field):
        if self.issued_on.data and field.data and field.data < self.issued_on.data:
            raise ValidationError("有效期不能早于发证日期。")

    def validate_kind_other(self, field):
        if self.kind.data == CertificationKind.OTHER and not (field.data or "").strip():
            raise ValidationError("请填写认证名称。")

    def row_values(self) -> dict:
        return {
            "kind": CertificationKind(self.kind.data),
            "kind_other": (self.kind_other.data or "").strip() or None,
            "number": self.number.data.strip(),
            "issuer": self.issuer.data.strip(),
            "issued_on": self.issued_on.data,
            "expires_on": self.expires_on.data,
            "status": CertificationStatus(self.status.data),
        }


class AttachmentForm(PortalForm):
    kind = SelectField("附件类型", choices=AttachmentKind.choices())
    description = StringField("说明（可选）", validators=[Optional(), Length(max=120)])
    file = upload_field("文件", required="请选择要上传的文件。")


class RecommenderChoiceForm(PortalForm):
    recommender_id = RadioField(
        "推荐单位", coerce=int, validate_choice=False, validators=[DataRequired("请选择一个推荐单位。")]
    )


def typed_self_check(formdata) -> dict[str, tuple[str | None, str]]:
    """The self-check grid as posted: ``{code: (yes / no / na or None, remark)}`` for all 33 items."""
    answers = {}
    for code in SELF_CHECK_CODES:
        answer = formdata.get(f"answer-{code}")
        answers[code] = (answer if answer in ("yes", "no", "na") else None, formdata.get(f"remark-{code}", "")[:500])
    return answers


def checked_evidence(files) -> tuple[dict[str, FileStorage], dict[str, str]]:
    """The self-check grid's evidence files that pass the content checks, and why the others did not."""
    evidence, problems = {}, {}
    for code in SELF_CHECK_CODES:
        upload = files.get(f"evidence-{code}")
        if not is_upload(upload):
            continue
        try:
            check_upload(upload)
        except UploadRejected as error:
            problems[code] = str(error)
        else:
            evidence[code] = upload
    return evidence, problems
