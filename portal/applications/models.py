"""The application (申报书) and everything attached to it."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.accounts.models import Enterprise, Organisation
from portal.campaigns.models import Campaign, Scale
from portal.core.extensions import db
from portal.core.models_base import LabelledEnum, enum_column
from portal.core.timeutil import utcnow
from portal.files import StoredFile
from portal.selfcheck import CERTIFICATION_CLAIMS, SelfCheckAnswerFields

WORK_SUMMARY_LIMIT = 3000
UNBACKED_CLAIM = "自称通过，无有效证书"
EXPIRED_LABEL = "已过期"
BEST_PRACTICES_LIMIT = 3000


class ApplicationStatus(LabelledEnum):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "退回修改"
    ACCEPTED = "accepted", "已受理"
    RECOMMENDED = "recommended", "已推荐"
    NOT_RECOMMENDED = "not_recommended", "未推荐"
    UNDER_REVIEW = "under_review", "评审中"
    SELECTED = "selected", "入选"
    NOT_SELECTED = "not_selected", "未入选"


EDITABLE_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)


class CertificationKind(LabelledEnum):
    QMS = "qms", "质量管理体系（GB/T 19001 / ISO 9001）"
    LAB = "lab", "实验室认可（ISO/IEC 17025）"
    MMS = "mms", "测量管理体系（GB/T 19022 / ISO 10012）"
    OTHER = "other", "其他（如售后服务 GB/T 27922）"


class CertificationStatus(LabelledEnum):
    VALID = "valid", "有效"
    SUSPENDED = "suspended", "暂停"
    REVOKED = "revoked", "撤销"


class AttachmentKind(LabelledEnum):
    BUSINESS_LICENCE = "business_licence", "营业执照"
    OTHER = "other", "其他证明材料"


class Application(db.Model):
    """One enterprise's 申报书 in one campaign, addressed to one recommender.

    All content columns are nullable: a draft saves whatever has been typed. The full rules
    run on submission (:func:`portal.applications.completeness.missing_fields`).
    """

    __table_args__ = (UniqueConstraint("campaign_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    recommender_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.DRAFT, index=True
    )
    # Bumped on every save; a form carries it so a stale tab cannot overwrite newer input.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    # Set for a unit of an earlier batch brought in from the ministries' sheets (portal.imports): it has
    # no self-check answers, files or submission behind it.
    imported_at: Mapped[datetime | None]

    # 一、基本信息
    org_name: Mapped[str | None] = mapped_column(String(120))
    province: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(6))
    legal_representative: Mapped[str | None] = mapped_column(String(40))
    contact_name: Mapped[str | None] = mapped_column(String(40))
    contact_title: Mapped[str | None] = mapped_column(String(40))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(120))
    ownership: Mapped[str | None] = mapped_column(String(20))
    industry: Mapped[str | None] = mapped_column(String(20), index=True)
    employees: Mapped[int | None]
    revenue: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # 上年度营业收入, 万元
    total_assets: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # 万元
    main_products: Mapped[str | None] = mapped_column(String(500))
    # Derived from employees and revenue by the campaign's rule, never typed.
    scale: Mapped[Scale | None] = mapped_column(enum_column(Scale), index=True)

    # 计量基础情况
    metrology_department: Mapped[str | None] = mapped_column(String(80))
    fulltime_metrology_staff: Mapped[int | None]
    parttime_metrology_staff: Mapped[int | None]
    instrument_count: Mapped[int | None]
    highest_standard_count: Mapped[int | None]
    key_processes: Mapped[int | None]
    important_processes: Mapped[int | None]
    general_processes: Mapped[int | None]
    is_key_energy_user: Mapped[bool | None]
    energy_use_tce: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # 吨标准煤

    # 计量工作情况 / 典型做法和先进经验
    work_summary: Mapped[str | None] = mapped_column(Text)
    best_practices: Mapped[str | None] = mapped_column(Text)

    # 申报单位承诺
    pledged: Mapped[bool] = mapped_column(default=False)
    pledge_signatory: Mapped[str | None] = mapped_column(String(40))

    campaign: Mapped[Campaign] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    recommender: Mapped[Organisation | None] = relationship()
    certifications: Mapped[list["Certification"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Certification.id"
    )
    self_check_answers: Mapped[list["SelfCheckAnswer"]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    events: Mapped[list["StatusEvent"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="StatusEvent.id"
    )

    # --- what may happen to it now: services ask to refuse, templates ask to show or hide --------

    def why_not_editable(self, now: datetime) -> str | None:
        """Why the enterprise may not save or submit at ``now``; ``None`` when it may."""
        if self.status not in EDITABLE_STATUSES:
            return f"申报书当前状态为“{self.status.label}”，不能修改。"
        return self.campaign.why_applications_closed(now)

    def can_edit(self, now: datetime) -> bool:
        return self.why_not_editable(now) is None

    def why_not_withdrawable(self, now: datetime) -> str | None:
        """Withdrawal takes a submission back to draft, while the recommender has not acted on it."""
        if self.status == ApplicationStatus.DRAFT:
            return "申报书尚未提交。"
        if self.status != ApplicationStatus.SUBMITTED:
            return "推荐单位已处理该申报书，不能撤回。"
        return self.campaign.why_applications_closed(now)

    def can_withdraw(self, now: datetime) -> bool:
        return self.why_not_withdrawable(now) is None

    @property
    def imported_note(self) -> str | None:
        """What the pages and the PDF say about a unit of an earlier batch imported from a sheet."""
        if self.imported_at is None:
            return None
        return (
            f"本单位为{self.campaign.year}年度入选的示范单位，由主管部门从往批名单导入；"
            "系统中没有其申报书内容、自我检查表、证书和附件。"
        )

    @property
    def display_name(self) -> str:
        return self.org_name or self.enterprise.name

    def move_to(self, status: "ApplicationStatus", actor, label: str | None = None, reason: str | None = None) -> None:
        """Change the status and add the step to the timeline the enterprise sees."""
        self.status = status
        self.updated_at = utcnow()
        self.events.append(StatusEvent(status=status, label=label or status.label, actor_id=actor.id, reason=reason))

    def answers_by_code(self) -> dict[str, "SelfCheckAnswer"]:
        return {answer.item_code: answer for answer in self.self_check_answers}

    def unbacked_claims(self, on: date) -> dict[str, str]:
        """Self-check items 3.2.x answered √ with no certificate of their kind in force on ``on``.

        Item code → the flag shown on that row. The same rule as the lists' SQL count
        (``indicators.unbacked_claims``): a certificate backs a claim when ``is_in_force``.
        """
        in_force = {c.kind.value for c in self.certifications if c.is_in_force(on)}
        return {
            answer.item_code: UNBACKED_CLAIM
            for answer in self.self_check_answers
            if answer.item_code in CERTIFICATION_CLAIMS
            and answer.answer is not None
            and answer.answer.value == "yes"
            and CERTIFICATION_CLAIMS[answer.item_code] not in in_force
        }


class CertificateFields:
    """A certificate as the 认证与认可 table records it: in an application, and again at re-review."""

    kind: Mapped[CertificationKind] = mapped_column(enum_column(CertificationKind))
    kind_other: Mapped[str | None] = mapped_column(String(80))
    number: Mapped[str] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(120))
    issued_on: Mapped[date]
    expires_on: Mapped[date]
    status: Mapped[CertificationStatus] = mapped_column(enum_column(CertificationStatus))
    certificate_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    audit_report_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))

    @declared_attr
    def certificate_file(cls) -> Mapped[StoredFile]:
        return relationship(foreign_keys=[cls.certificate_file_id])

    @declared_attr
    def audit_report_file(cls) -> Mapped[StoredFile | None]:
        return relationship(foreign_keys=[cls.audit_report_file_id])

    @property
    def kind_label(self) -> str:
        return self.kind_other if self.kind == CertificationKind.OTHER and self.kind_other else self.kind.label

    def is_in_force(self, on: date) -> bool:
        """Valid status and not expired on ``on``."""
        return self.status == CertificationStatus.VALID and self.expires_on >= on

    def status_on(self, on: date) -> str:
        """The status as of ``on``: the declared one, except that a 有效 certificate past its expiry is 已过期."""
        if self.status == CertificationStatus.VALID and not self.is_in_force(on):
            return EXPIRED_LABEL
        return self.status.label


class Certification(CertificateFields, db.Model):
    """One row of 认证与认可, with the certificate's scan and optionally its audit report."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)

    application: Mapped[Application] = relationship(back_populates="certifications")


class SelfCheckAnswer(SelfCheckAnswerFields, db.Model):
    """The answer to one item of the self-check table, with an optional evidence file."""

    __table_args__ = (UniqueConstraint("application_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    evidence_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))

    application: Mapped[Application] = relationship(back_populates="self_check_answers")
    evidence_file: Mapped[StoredFile | None] = relationship()


class Attachment(db.Model):
    """营业执照 and other supporting files."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind))
    description: Mapped[str | None] = mapped_column(String(120))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))

    application: Mapped[Application] = relationship(back_populates="attachments")
    file: Mapped[StoredFile] = relationship()


class StatusEvent(db.Model):
    """One step of the application's timeline, with who, when and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus))
    label: Mapped[str] = mapped_column(String(40))  # e.g. 已撤回, which returns to 草稿
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="events")


class ApplicationVersion(db.Model):
    """A frozen copy of the application at each submission, for history and comparison."""

    __table_args__ = (UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict] = mapped_column(db.JSON)
