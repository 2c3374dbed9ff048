"""A recommender's ranked list (推荐汇总表) for one campaign."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation, Role
from portal.applications.models import Application, ApplicationStatus
from portal.campaigns.models import Campaign, Scale
from portal.core.extensions import db
from portal.core.models_base import enum_column
from portal.core.timeutil import format_local
from portal.files import StoredFile


class Recommendation(db.Model):
    """One recommender's list in one campaign. Its row is locked while the list changes."""

    __table_args__ = (UniqueConstraint("campaign_id", "recommender_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    recommender_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    submitted_at: Mapped[datetime | None]
    # A ministry reviewer may reopen a submitted or late list until this moment.
    reopened_until: Mapped[datetime | None]

    # 报送信息: filled when the list is submitted.
    lead_department: Mapped[str | None] = mapped_column(String(80))
    responsible_person: Mapped[str | None] = mapped_column(String(40))
    contact_person: Mapped[str | None] = mapped_column(String(40))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(120))
    sealed_scan_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))

    campaign: Mapped[Campaign] = relationship()
    recommender: Mapped[Organisation] = relationship()
    sealed_scan: Mapped[StoredFile | None] = relationship()
    entries: Mapped[list["RankingEntry"]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan", order_by="RankingEntry.rank"
    )

    def accepts_changes_at(self, campaign, now: datetime) -> bool:
        """Before the campaign's deadline, or within a reviewer's reopening."""
        return campaign.accepts_recommendations(now) or (self.reopened_until is not None and now < self.reopened_until)

    def why_closed(self, campaign, now: datetime) -> str | None:
        """Why the ranking may no longer change; ``None`` while it may (not submitted, within its time)."""
        if self.submitted_at is not None:
            return "推荐汇总表已报送，排序已锁定。如需修改，请联系主管部门解锁。"
        if not self.accepts_changes_at(campaign, now):
            return f"推荐报送已于 {format_local(campaign.recommend_deadline)} 截止，排序已锁定。"
        return None

    def is_open(self, campaign, now: datetime) -> bool:
        return self.why_closed(campaign, now) is None

    def can_view(self, user) -> bool:
        """The recommender's own staff and the ministries' reviewers."""
        if user.role == Role.RECOMMENDER:
            return user.organisation_id == self.recommender_id
        return user.role in (Role.REVIEWER, Role.ADMIN)

    def ranked(self, scale: Scale) -> list["RankingEntry"]:
        return [entry for entry in self.entries if entry.scale == scale]


def why_list_full(campaign, scale: Scale, ranked: int) -> str | None:
    """Why no more candidates of ``scale`` fit a list already holding ``ranked``; ``None`` while one fits."""
    quota = campaign.quota(scale)
    if ranked >= quota:
        return f"{scale.label}企业最多推荐 {quota} 家，名单已满。请先移除一家再加入。"
    return None


def why_recommender_cannot_act(application: Application, recommendation: Recommendation | None, now: datetime):
    """Why the recommender may not accept, return or rank ``application`` at ``now``; ``None`` if it may.

    ``recommendation`` is the recommender's list, if started: a reviewer's reopening of it extends
    the deadline for this recommender alone.
    """
    campaign = application.campaign
    open_ = (
        recommendation.accepts_changes_at(campaign, now) if recommendation else campaign.accepts_recommendations(now)
    )
    return None if open_ else f"推荐报送已于 {format_local(campaign.recommend_deadline)} 截止。"


def why_not_accept(application: Application, recommendation: Recommendation | None, now: datetime) -> str | None:
    """受理: only a submitted application, within the recommender's time."""
    if application.status != ApplicationStatus.SUBMITTED:
        return f"申报书当前状态为“{application.status.label}”，不能受理。"
    return why_recommender_cannot_act(application, recommendation, now)


def why_not_return(application: Application, recommendation: Recommendation | None, now: datetime) -> str | None:
    """退回修改: a submitted or accepted application that is not in the ranked list."""
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED):
        return f"申报书当前状态为“{application.status.label}”，不能退回。"
    if recommendation and any(entry.application_id == application.id for entry in recommendation.entries):
        return "该企业在推荐名单中，请先从名单中移除再退回。"
    return why_recommender_cannot_act(application, recommendation, now)


class RankingEntry(db.Model):
    """A candidate at a rank in the large or the small/medium list.

    ``UNIQUE(application_id)``: a candidate sits in at most one list. ``UNIQUE(recommendation,
    scale, rank)``: two writers cannot take the same place; the quota itself is checked under
    the recommendation's row lock, because it is campaign data.
    """

    __table_args__ = (
        UniqueConstraint("recommendation_id", "scale", "rank"),
        UniqueConstraint("application_id"),
        CheckConstraint("rank >= 1", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    scale: Mapped[Scale] = mapped_column(enum_column(Scale))
    rank: Mapped[int]

    recommendation: Mapped[Recommendation] = relationship(back_populates="entries")
    application: Mapped[Application] = relationship(lazy="joined")
