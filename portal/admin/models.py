"""The yearly campaign (年度批次): its windows, deadlines, quotas and scale thresholds."""

from datetime import datetime

from sqlalchemy import CheckConstraint, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.applications.rules import Scale
from portal.core.extensions import db
from portal.core.timeutil import utcnow

DEFAULT_ISSUING_AUTHORITIES = "国家市场监督管理总局 工业和信息化部"


class Campaign(db.Model):
    """One round of applications. Quotas and thresholds are data, set per campaign."""

    __table_args__ = (
        CheckConstraint("opens_at < closes_at", name="window_in_order"),
        CheckConstraint("closes_at <= recommend_deadline", name="recommenders_after_enterprises"),
        CheckConstraint("quota_large >= 0 AND quota_sme >= 0", name="quota_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    year: Mapped[int]
    # Stored as naive UTC; entered and shown in Asia/Shanghai time.
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    recommend_deadline: Mapped[datetime]
    quota_large: Mapped[int] = mapped_column(default=5)
    quota_sme: Mapped[int] = mapped_column(default=5)
    large_min_employees: Mapped[int] = mapped_column(default=1000)
    large_min_revenue: Mapped[int] = mapped_column(default=40000)  # 万元, i.e. 4 亿元
    # Who issues the campaign's documents (cover of the 申报书, the published list), in the order they
    # sign, separated by spaces. The notice of 2017 was issued by 国家质量监督检验检疫总局 and 工业和信息化部.
    issuing_authorities: Mapped[str] = mapped_column(
        String(200), default=DEFAULT_ISSUING_AUTHORITIES, server_default=DEFAULT_ISSUING_AUTHORITIES
    )
    archived: Mapped[bool] = mapped_column(default=False)
    # When the ministries published the list of 工业计量标杆示范单位; decisions are final from then on.
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def scale_rule_text(self) -> str:
        """The scale rule in the notice's words, with this campaign's thresholds."""
        revenue_yi = f"{self.large_min_revenue / 10000:g}"
        return (
            f"从业人员 {self.large_min_employees} 人以下或营业收入 {revenue_yi} 亿元以下的为中小型企业，"
            "其余为大型企业。"
        )

    def quota(self, scale: Scale) -> int:
        """How many candidates of ``scale`` (大型 / 中小型) one recommender may rank."""
        return self.quota_large if scale == Scale.LARGE else self.quota_sme

    def accepts_applications(self, now: datetime | None = None) -> bool:
        """Enterprises may save and submit between ``opens_at`` and ``closes_at``."""
        now = now or utcnow()
        return self.opens_at <= now < self.closes_at

    def accepts_recommendations(self, now: datetime | None = None) -> bool:
        """Recommenders may review and rank until ``recommend_deadline``."""
        now = now or utcnow()
        return self.opens_at <= now < self.recommend_deadline


def current_campaign() -> Campaign | None:
    """The campaign the portal works on: the latest one already opened and not archived.

    Before any has opened, the next one to open. So preparing next year's campaign (copying it,
    setting its rubric) does not take the portal away from this year's.
    """
    return db.session.scalar(select(Campaign).where(Campaign.id == current_campaign_id()))


def current_campaign_id():
    """The id of :func:`current_campaign`, as SQL: to find a row of it in the same query."""
    active = select(Campaign.id).where(Campaign.archived.is_(False))
    opened = active.where(Campaign.opens_at <= utcnow()).order_by(Campaign.opens_at.desc()).limit(1)
    upcoming = active.order_by(Campaign.opens_at).limit(1)
    return func.coalesce(opened.scalar_subquery(), upcoming.scalar_subquery())
