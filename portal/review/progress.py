"""Which recommenders have submitted their ranked lists, and with how many candidates: one query."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from portal.accounts.models import RECOMMENDER_KINDS, Organisation
from portal.applications.models import Application, ApplicationStatus
from portal.campaigns.models import Campaign, Scale
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.recommendations.models import RankingEntry, Recommendation
from portal.reference import REGIONS

# The list's state, as the filter of 推荐进度 names it → as the page shows it.
PROGRESS_STATES = {
    "submitted": "已报送",
    "pending": "未报送",
    "late": "逾期未报送",
    "reopened": "已解锁，待重新报送",
}


@dataclass(frozen=True)
class RecommenderProgress:
    organisation: Organisation
    recommendation_id: int | None
    submitted_at: datetime | None
    reopened_until: datetime | None
    received: int
    large: int
    sme: int

    def state(self, campaign: Campaign, now: datetime) -> str:
        if self.submitted_at is not None:
            return "已报送"
        if self.reopened_until is not None and now < self.reopened_until:
            return "已解锁，待重新报送"
        return "逾期未报送" if now >= campaign.recommend_deadline else "未报送"


def recommender_progress(
    campaign: Campaign, filters: dict | None = None, now: datetime | None = None
) -> list[RecommenderProgress]:
    """Every recommender organisation with its list's state and counts for ``campaign``.

    ``filters`` (from the page's filter form): ``kind``, ``region``, and ``state`` (a key of
    :data:`PROGRESS_STATES`, decided by :meth:`RecommenderProgress.state` at ``now``).
    """
    filters = filters or {}
    counts = (
        select(
            RankingEntry.recommendation_id,
            func.sum(case((RankingEntry.scale == Scale.LARGE, 1), else_=0)).label("large"),
            func.sum(case((RankingEntry.scale == Scale.SME, 1), else_=0)).label("sme"),
        )
        .group_by(RankingEntry.recommendation_id)
        .subquery()
    )
    received = (
        select(Application.recommender_id, func.count().label("received"))
        .where(Application.campaign_id == campaign.id, Application.status != ApplicationStatus.DRAFT)
        .group_by(Application.recommender_id)
        .subquery()
    )
    query = (
        select(
            Organisation,
            Recommendation.id,
            Recommendation.submitted_at,
            Recommendation.reopened_until,
            func.coalesce(received.c.received, 0),
            func.coalesce(counts.c.large, 0),
            func.coalesce(counts.c.sme, 0),
        )
        .outerjoin(
            Recommendation,
            (Recommendation.recommender_id == Organisation.id) & (Recommendation.campaign_id == campaign.id),
        )
        .outerjoin(counts, counts.c.recommendation_id == Recommendation.id)
        .outerjoin(received, received.c.recommender_id == Organisation.id)
        .where(Organisation.kind.in_(RECOMMENDER_KINDS))
        # As the national workbook orders candidates: kinds in the notice's order (计划单列市 before the
        # associations), regions in GB/T 2260 order, then as created; never by character code.
        .order_by(
            case({kind: i for i, kind in enumerate(RECOMMENDER_KINDS)}, value=Organisation.kind),
            case({region: i for i, region in enumerate(REGIONS)}, value=Organisation.region, else_=len(REGIONS)),
            Organisation.id,
        )
    )
    if filters.get("kind"):
        query = query.where(Organisation.kind == filters["kind"])
    if filters.get("region"):
        query = query.where(Organisation.region == filters["region"])
    rows = [RecommenderProgress(*row) for row in db.session.execute(query)]
    if filters.get("state") in PROGRESS_STATES:
        wanted = PROGRESS_STATES[filters["state"]]
        rows = [row for row in rows if row.state(campaign, now or utcnow()) == wanted]
    return rows
