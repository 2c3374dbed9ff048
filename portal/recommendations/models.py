"""A recommender's ranked list (推荐汇总表) for one campaign."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation
from portal.applications.models import Application
from portal.applications.rules import Scale
from portal.extensions import db
from portal.models_base import enum_column


class Recommendation(db.Model):
    """One recommender's list in one campaign. Its row is locked while the list changes."""

    __table_args__ = (UniqueConstraint("campaign_id", "recommender_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    recommender_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    submitted_at: Mapped[datetime | None]
    lead_department: Mapped[str | None] = mapped_column(String(80))
    responsible_person: Mapped[str | None] = mapped_column(String(40))

    recommender: Mapped[Organisation] = relationship()
    entries: Mapped[list["RankingEntry"]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan", order_by="RankingEntry.rank"
    )

    def ranked(self, scale: Scale) -> list["RankingEntry"]:
        return [entry for entry in self.entries if entry.scale == scale]


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
