"""定期复核 (re-review) records: rounds, each unit's update of its self-check table and certificates, the conclusion."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.models import Application, CertificateFields
from portal.core.extensions import db
from portal.core.models_base import LabelledEnum, enum_column
from portal.core.timeutil import utcnow
from portal.files import StoredFile
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

    reviews: Mapped[list["ReReview"]] = relationship(back_populates="round", order_by="ReReview.id")

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class ReReviewOutcome(LabelledEnum):
    KEEP = "keep", "保持"
    REVOKE = "revoke", "撤销"


class ReReview(db.Model):
    """One published unit in one re-review round: its update, then the reviewers' 保持 / 撤销."""

    __table_args__ = (UniqueConstraint("round_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("re_review_round.id"), index=True)
    # The application through which the unit was selected; the unit is its enterprise.
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    submitted_at: Mapped[datetime | None]
    outcome: Mapped[ReReviewOutcome | None] = mapped_column(enum_column(ReReviewOutcome))
    reason: Mapped[str | None] = mapped_column(Text)
    evidence_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]

    round: Mapped[ReReviewRound] = relationship(back_populates="reviews")
    application: Mapped[Application] = relationship()
    evidence_file: Mapped[StoredFile | None] = relationship()
    answers: Mapped[list["ReReviewAnswer"]] = relationship(cascade="all, delete-orphan")
    certificates: Mapped[list["ReReviewCertificate"]] = relationship(
        cascade="all, delete-orphan", order_by="ReReviewCertificate.id"
    )

    def answers_by_code(self) -> dict[str, "ReReviewAnswer"]:
        return {answer.item_code: answer for answer in self.answers}

    @property
    def state(self) -> str:
        if self.outcome is not None:
            return self.outcome.label
        return "待审核" if self.submitted_at else "待单位更新"


class ReReviewAnswer(SelfCheckAnswerFields, db.Model):
    __table_args__ = (UniqueConstraint("re_review_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    re_review_id: Mapped[int] = mapped_column(ForeignKey("re_review.id"), index=True)


class ReReviewCertificate(CertificateFields, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    re_review_id: Mapped[int] = mapped_column(ForeignKey("re_review.id"), index=True)
