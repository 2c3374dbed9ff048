"""The ministries' review: the scoring rubric, experts and their assignments, scores, site visits, decisions."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.accounts.models import User
from portal.applications.models import Application
from portal.campaigns.models import Campaign, Criterion
from portal.core.extensions import db
from portal.core.models_base import LabelledEnum, enum_column
from portal.core.timeutil import utcnow
from portal.files import StoredFile


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
    # The weighted total out of 100 (portal.review.scoring.weighted_total), set when the scores are
    # submitted. Submitted scores are final and the rubric is frozen once anyone has scored, so it never
    # goes stale; lists and exports average it instead of recomputing it from every score.
    total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))

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


class VisitFields:
    """A visit on site as the ministries record it: date, team, findings and the report (ministry-internal).

    A candidate's 现场核查 and a re-review's 现场检查 share it."""

    visited_on: Mapped[date]
    team: Mapped[str] = mapped_column(String(200))
    findings: Mapped[str] = mapped_column(Text)
    report_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr
    def report_file(cls) -> Mapped[StoredFile | None]:
        return relationship(foreign_keys=[cls.report_file_id])


class SiteVisit(VisitFields, db.Model):
    """现场核查 of a candidate."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)


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


@dataclass(frozen=True)
class ScoringProgress:
    """One campaign's share of an expert's assignments: 已评 ``done`` / ``total``, and its deadline."""

    campaign: Campaign
    done: int
    total: int

    @property
    def pending(self) -> int:
        return self.total - self.done

    def is_overdue(self, now: datetime) -> bool:
        deadline = self.campaign.scoring_deadline
        return deadline is not None and now >= deadline and self.pending > 0


def scoring_progress(assignments: list["Assignment"]) -> list[ScoringProgress]:
    """Per campaign, in the order met: how many of the expert's assignments are submitted."""
    by_campaign: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        by_campaign.setdefault(assignment.application.campaign_id, []).append(assignment)
    return [
        ScoringProgress(group[0].application.campaign, sum(a.submitted_at is not None for a in group), len(group))
        for group in by_campaign.values()
    ]
