"""The ministries' review: the scoring rubric, experts and their assignments, scores, site visits, decisions."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, backref, mapped_column, relationship

from portal.accounts.models import User
from portal.admin.models import Campaign
from portal.applications.models import Application, CertificateFields
from portal.core.extensions import db
from portal.core.models_base import LabelledEnum, enum_column
from portal.core.timeutil import utcnow
from portal.files import StoredFile
from portal.selfcheck import SelfCheckAnswerValue


class Criterion(db.Model):
    """One line of a campaign's scoring rubric (评分细则). Weights of a campaign add up to 100."""

    __tablename__ = "review_criterion"
    __table_args__ = (
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("min_score < max_score", name="range_in_order"),
        UniqueConstraint("campaign_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(String(300))
    weight: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    min_score: Mapped[int] = mapped_column(default=0)
    max_score: Mapped[int] = mapped_column(default=100)

    campaign: Mapped[Campaign] = relationship(backref=backref("criteria", order_by="Criterion.position"))


DEFAULT_RUBRIC = [
    ("过程计量保障", "计量保证大纲，研制、试验、生产各阶段的计量控制", Decimal(25)),
    ("计量工作有效性", "计量过程管理体系及其内外审，测量设备计量确认", Decimal(20)),
    ("计量管理", "组织、制度、人员、设备、标准与数据管理", Decimal(25)),
    ("技术先进性与创新", "测量技术、在线计量、数据应用的先进性", Decimal(15)),
    ("示范推广价值", "做法与经验在行业内的可复制、可推广程度", Decimal(15)),
]


@event.listens_for(Session, "before_flush")
def _give_new_campaigns_the_default_rubric(session, _context, _instances):
    """Every campaign starts with :data:`DEFAULT_RUBRIC`, whoever creates it (CLI, admin page, tests).

    Created with the campaign, in the same transaction, so criterion ids are stable from the start:
    the experts' score forms are keyed by them.
    """
    for campaign in [obj for obj in session.new if isinstance(obj, Campaign)]:
        if not campaign.criteria:
            campaign.criteria = [
                Criterion(position=position, name=name, description=description, weight=weight)
                for position, (name, description, weight) in enumerate(DEFAULT_RUBRIC, start=1)
            ]


class ExpertProfile(db.Model):
    """What conflict-of-interest checks need to know about an expert (评审专家)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    organisation: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(40))
    specialities: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship()

    @property
    def name(self) -> str:
        return self.user.display_name


class DeclaredConflict(db.Model):
    """An expert's declared conflict of interest with one candidate (回避)."""

    __table_args__ = (UniqueConstraint("expert_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert_profile.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    reason: Mapped[str] = mapped_column(String(200))


class ExpertOpinion(LabelledEnum):
    RECOMMEND = "recommend", "建议入选"
    NOT_RECOMMEND = "not_recommend", "不建议入选"


class Assignment(db.Model):
    """A candidate given to an expert to score. The scores are final once submitted."""

    __table_args__ = (UniqueConstraint("application_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert_profile.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    opinion: Mapped[ExpertOpinion | None] = mapped_column(enum_column(ExpertOpinion))
    comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship()
    expert: Mapped[ExpertProfile] = relationship()
    scores: Mapped[list["Score"]] = relationship(back_populates="assignment", cascade="all, delete-orphan")

    def scores_by_criterion(self) -> dict[int, "Score"]:
        return {score.criterion_id: score for score in self.scores}


class Score(db.Model):
    __table_args__ = (UniqueConstraint("assignment_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("review_criterion.id"))
    value: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    comment: Mapped[str | None] = mapped_column(Text)

    assignment: Mapped[Assignment] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class SiteVisit(db.Model):
    """现场核查: date, team, findings and the report."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    visited_on: Mapped[date]
    team: Mapped[str] = mapped_column(String(200))
    findings: Mapped[str] = mapped_column(Text)
    report_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    report_file: Mapped[StoredFile | None] = relationship()


class DecisionOutcome(LabelledEnum):
    SELECTED = "selected", "入选"
    NOT_SELECTED = "not_selected", "未入选"


class Decision(db.Model):
    """The ministries' decision on a candidate; the enterprise sees it only once the list is published."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    outcome: Mapped[DecisionOutcome] = mapped_column(enum_column(DecisionOutcome))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(default=1)

    decided_by: Mapped[User] = relationship()


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


class ReReviewAnswer(db.Model):
    __table_args__ = (UniqueConstraint("re_review_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    re_review_id: Mapped[int] = mapped_column(ForeignKey("re_review.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(8))
    answer: Mapped[SelfCheckAnswerValue | None] = mapped_column(enum_column(SelfCheckAnswerValue))
    remark: Mapped[str | None] = mapped_column(String(500))


class ReReviewCertificate(CertificateFields, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    re_review_id: Mapped[int] = mapped_column(ForeignKey("re_review.id"), index=True)
