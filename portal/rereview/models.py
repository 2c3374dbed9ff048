"""定期复核 (re-review) records: rounds and their on-site sample, each unit's update of its self-check table
and certificates, on-site checks, the order to rectify within a deadline (限期整改) and the conclusion.

The states of one unit's re-review are answered here, once, for services and templates alike
(:meth:`ReReview.state_at`, the ``why_not_…(now)`` methods); "overdue" is computed from the deadline.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, and_, case
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.models import Application, CertificateFields
from portal.core.extensions import db
from portal.core.models_base import LabelledEnum, enum_column
from portal.core.timeutil import format_local, utcnow
from portal.files import StoredFile
from portal.review.models import VisitFields
from portal.selfcheck import SelfCheckAnswerFields


class ReReviewRound(db.Model):
    """定期复核: a round in which published units update their self-check and certificates."""

    __table_args__ = (CheckConstraint("opens_at < closes_at", name="window_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The on-site sample drawn when the round opened: random.Random(sample_seed) over the units sorted
    # by application id (rereview.sampling), at sample_rate per cent; sample_note says why that rate.
    sample_seed: Mapped[int | None]
    sample_rate: Mapped[int | None]
    sample_note: Mapped[str | None] = mapped_column(String(200))

    reviews: Mapped[list["ReReview"]] = relationship(back_populates="round", order_by="ReReview.id")

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    @classmethod
    def open_clause(cls, now: datetime):
        """:meth:`is_open` in SQL."""
        return and_(cls.opens_at <= now, cls.closes_at > now)

    def why_not_follow(self, now: datetime) -> str | None:
        """Why no new round may open after this one at ``now``: a unit has one re-review at a time, and the
        next round's sample rate is computed from this round's conclusions."""
        if now < self.closes_at:
            return f"“{self.name}”的单位提交于 {format_local(self.closes_at)} 截止，截止后方可开启新的复核。"
        pending = sum(1 for review in self.reviews if review.outcome is None)
        if pending:
            return f"“{self.name}”还有 {pending} 家单位尚未作出保持或撤销的结论，请先作出结论。"
        return None


class ReReviewOutcome(LabelledEnum):
    """The final conclusion of a unit's re-review."""

    KEEP = "keep", "保持"
    REVOKE = "revoke", "撤销"


class ReReviewConclusion(LabelledEnum):
    """What a reviewer may conclude: a final outcome, or first an order to rectify within a deadline."""

    KEEP = "keep", "保持"
    RECTIFY = "rectify", "限期整改"
    REVOKE = "revoke", "撤销"


class ReReviewState(LabelledEnum):
    AWAITING_UPDATE = "awaiting_update", "待单位更新"
    AWAITING_REVIEW = "awaiting_review", "待审核"
    RECTIFYING = "rectifying", "限期整改中"
    RECTIFIED = "rectified", "整改待审核"
    OVERDUE = "overdue", "逾期未整改"
    KEPT = "kept", "保持"
    REVOKED = "revoked", "撤销"


class SampleReason(LabelledEnum):
    """Why a unit is in a round's on-site sample."""

    DRAWN = "drawn", "随机抽取"
    RECTIFIED_BEFORE = "rectified_before", "上轮限期整改，必查"


class ReReview(db.Model):
    """One published unit in one re-review round: its update, on-site checks, 限期整改, then 保持 / 撤销."""

    __table_args__ = (
        UniqueConstraint("round_id", "application_id"),
        CheckConstraint(
            "(rectification_deadline IS NULL) = (rectification_required IS NULL)", name="rectification_complete"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("re_review_round.id"), index=True)
    # The application through which the unit was selected; the unit is its enterprise.
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    submitted_at: Mapped[datetime | None]
    sample: Mapped[SampleReason | None] = mapped_column(enum_column(SampleReason))
    outcome: Mapped[ReReviewOutcome | None] = mapped_column(enum_column(ReReviewOutcome))
    reason: Mapped[str | None] = mapped_column(Text)
    evidence_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    # 限期整改: what the reviewer requires and by when; then the unit's report.
    rectification_required: Mapped[str | None] = mapped_column(Text)
    rectification_deadline: Mapped[datetime | None]
    rectification_ordered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    rectification_ordered_at: Mapped[datetime | None]
    rectification_basis_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))  # e.g. 整改通知书
    rectification_note: Mapped[str | None] = mapped_column(Text)
    rectification_report_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    rectification_evidence_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    rectification_submitted_at: Mapped[datetime | None]

    round: Mapped[ReReviewRound] = relationship(back_populates="reviews")
    application: Mapped[Application] = relationship()
    evidence_file: Mapped[StoredFile | None] = relationship(foreign_keys=[evidence_file_id])
    rectification_basis: Mapped[StoredFile | None] = relationship(foreign_keys=[rectification_basis_id])
    rectification_report: Mapped[StoredFile | None] = relationship(foreign_keys=[rectification_report_id])
    rectification_evidence: Mapped[StoredFile | None] = relationship(foreign_keys=[rectification_evidence_id])
    answers: Mapped[list["ReReviewAnswer"]] = relationship(cascade="all, delete-orphan")
    certificates: Mapped[list["ReReviewCertificate"]] = relationship(
        cascade="all, delete-orphan", order_by="ReReviewCertificate.id"
    )
    checks: Mapped[list["OnSiteCheck"]] = relationship(
        cascade="all, delete-orphan", order_by=lambda: (OnSiteCheck.visited_on, OnSiteCheck.id)
    )

    def answers_by_code(self) -> dict[str, "ReReviewAnswer"]:
        return {answer.item_code: answer for answer in self.answers}

    @property
    def rectification_ordered(self) -> bool:
        return self.rectification_deadline is not None

    @property
    def rectification_open(self) -> bool:
        """Ordered to rectify and not concluded yet: the re-review stays open after its round."""
        return self.rectification_ordered and self.outcome is None

    @classmethod
    def rectification_open_clause(cls):
        """:attr:`rectification_open` in SQL."""
        return and_(cls.rectification_deadline.is_not(None), cls.outcome.is_(None))

    def is_overdue(self, now: datetime) -> bool:
        """Ordered to rectify, no report, and the deadline passed: listed as 逾期未整改 (never stored)."""
        return (
            self.rectification_open and self.rectification_submitted_at is None and now >= self.rectification_deadline
        )

    @classmethod
    def overdue_clause(cls, now: datetime):
        """:meth:`is_overdue` in SQL, for counting."""
        return and_(
            cls.rectification_open_clause(),
            cls.rectification_submitted_at.is_(None),
            cls.rectification_deadline <= now,
        )

    def state_at(self, now: datetime) -> ReReviewState:
        if self.outcome is not None:
            return ReReviewState.KEPT if self.outcome == ReReviewOutcome.KEEP else ReReviewState.REVOKED
        if self.rectification_ordered:
            if self.rectification_submitted_at is not None:
                return ReReviewState.RECTIFIED
            return ReReviewState.OVERDUE if self.is_overdue(now) else ReReviewState.RECTIFYING
        return ReReviewState.AWAITING_REVIEW if self.submitted_at else ReReviewState.AWAITING_UPDATE

    @classmethod
    def state_clause(cls, now: datetime):
        """:meth:`state_at` in SQL, as the state's value; keep the two in step (a test compares them)."""
        return case(
            (cls.outcome == ReReviewOutcome.KEEP, ReReviewState.KEPT.value),
            (cls.outcome == ReReviewOutcome.REVOKE, ReReviewState.REVOKED.value),
            (
                and_(cls.rectification_deadline.is_not(None), cls.rectification_submitted_at.is_not(None)),
                ReReviewState.RECTIFIED.value,
            ),
            (cls.overdue_clause(now), ReReviewState.OVERDUE.value),
            (cls.rectification_deadline.is_not(None), ReReviewState.RECTIFYING.value),
            (cls.submitted_at.is_not(None), ReReviewState.AWAITING_REVIEW.value),
            else_=ReReviewState.AWAITING_UPDATE.value,
        )

    @property
    def kept_without_rectification(self) -> bool:
        """Kept without having been ordered to rectify: the share the next round's sample rate follows."""
        return self.outcome == ReReviewOutcome.KEEP and not self.rectification_ordered

    @classmethod
    def kept_without_rectification_clause(cls):
        """:attr:`kept_without_rectification` in SQL."""
        return and_(cls.outcome == ReReviewOutcome.KEEP, cls.rectification_deadline.is_(None))

    @property
    def failed_check(self) -> "OnSiteCheck | None":
        return next((check for check in reversed(self.checks) if not check.passed), None)

    def why_not_update(self, now: datetime) -> str | None:
        """Why the unit may not change its self-check answers and certificates at ``now``."""
        if self.submitted_at is not None:
            return "复核材料已提交，不能再修改。"
        if not self.round.is_open(now):
            return f"复核材料提交已于 {format_local(self.round.closes_at)} 截止。"
        return None

    def why_not_record_check(self) -> str | None:
        return f"该单位的复核结论已为“{self.outcome.label}”，不能再记录现场检查。" if self.outcome else None

    def why_not_conclude(self, conclusion: ReReviewConclusion | None, now: datetime) -> str | None:
        """Why a reviewer may not conclude ``conclusion`` (any of them, for ``None``) at ``now``.

        "监督检查结果不合格…限期整改；经整改仍达不到要求的…撤销" (seed 004, 五（一）): a failed
        on-site check is first ordered to rectify, and a unit ordered to rectify is concluded once
        its report is in or its deadline has passed; overdue without a report, it can only be revoked.
        """
        if self.outcome is not None:
            return f"该单位的复核结论已为“{self.outcome.label}”。"
        if self.submitted_at is None and self.round.is_open(now):
            return "单位尚未提交复核材料，复核期结束后方可直接作出结论。"
        if self.sample is not None and not self.checks:
            return "该单位已被抽中现场检查，请先记录现场检查结果。"
        if self.rectification_ordered:
            if conclusion == ReReviewConclusion.RECTIFY:
                return "已责令限期整改，整改后请作出保持或撤销的结论。"
            if self.rectification_submitted_at is None and now < self.rectification_deadline:
                return f"整改期限 {format_local(self.rectification_deadline)} 未到，单位尚未提交整改报告。"
            if conclusion == ReReviewConclusion.KEEP and self.is_overdue(now):
                return f"整改期限已于 {format_local(self.rectification_deadline)} 届满，单位逾期未整改，不能保持。"
        elif conclusion == ReReviewConclusion.KEEP and self.failed_check:
            return "现场检查不合格，应先责令限期整改。"
        return None

    def why_not_report_rectification(self, now: datetime) -> str | None:
        """Why the unit may not hand in its rectification report at ``now``."""
        if not self.rectification_ordered or self.outcome is not None:
            return "本单位没有待整改的事项。"
        if self.rectification_submitted_at is not None:
            return f"整改报告已于 {format_local(self.rectification_submitted_at)} 提交。"
        if now >= self.rectification_deadline:
            return f"整改期限已于 {format_local(self.rectification_deadline)} 届满。"
        return None


class OnSiteCheck(VisitFields, db.Model):
    """现场检查 of a sampled unit in a re-review round; its result feeds the conclusion."""

    id: Mapped[int] = mapped_column(primary_key=True)
    re_review_id: Mapped[int] = mapped_column(ForeignKey("re_review.id"), index=True)
    passed: Mapped[bool]

    @property
    def result_label(self) -> str:
        return "合格" if self.passed else "不合格"


class ReReviewAnswer(SelfCheckAnswerFields, db.Model):
    __table_args__ = (UniqueConstraint("re_review_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    re_review_id: Mapped[int] = mapped_column(ForeignKey("re_review.id"), index=True)


class ReReviewCertificate(CertificateFields, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    re_review_id: Mapped[int] = mapped_column(ForeignKey("re_review.id"), index=True)
