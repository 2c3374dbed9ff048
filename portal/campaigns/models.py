"""The yearly campaign (年度批次): its windows, deadlines, quotas, scale thresholds and scoring rubric.

The notice fixes the numbers of the first campaign (5 + 5 candidates per recommender, 1000 人,
4 亿元); they are the defaults here and nowhere else. Every later campaign keeps its own.
"""

import re
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint, false, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.models_base import LabelledEnum
from portal.core.timeutil import format_local, utcnow

NOTICE_QUOTA = 5  # 附件2 注3: 大型企业和中小型企业各不超过 5 家
NOTICE_LARGE_MIN_EMPLOYEES = 1000  # 附件2 注1: 从业人员 1000 人
NOTICE_LARGE_MIN_REVENUE = 40000  # 万元, i.e. 附件2 注1: 营业收入 4 亿元
DEFAULT_ISSUING_AUTHORITIES = "国家市场监督管理总局 工业和信息化部"
# 定期复核's on-site checks, after the practice of metrology supervision (seed 004, 四（十一）):
# "抽取的比例不低于…10%" and "合格率低于98%的，应适当提高…抽取比例". How far to raise is ours.
NOTICE_SAMPLE_RATE = 10  # %
NOTICE_PASS_THRESHOLD = 98  # %
DEFAULT_RAISED_SAMPLE_RATE = 20  # %


_AUTHORITY_SEPARATORS = re.compile(r"[\s、，,；;]+")


def authority_names(text: str | None) -> list[str]:
    """Issuing authorities as typed, one name each: separated by spaces, 、 or commas."""
    return [name for name in _AUTHORITY_SEPARATORS.split(text or "") if name]


class SampleSettings(NamedTuple):
    """How many units a 定期复核 round checks on site, in per cent of its units."""

    rate: int = NOTICE_SAMPLE_RATE
    pass_threshold: int = NOTICE_PASS_THRESHOLD
    raised_rate: int = DEFAULT_RAISED_SAMPLE_RATE

    def rate_after(self, kept_share: float | None) -> int:
        """The default rate of a round, given the share of the last round's units kept without
        rectification (``None`` without a concluded last round): raised below the threshold."""
        if kept_share is not None and kept_share * 100 < self.pass_threshold:
            return max(self.rate, self.raised_rate)
        return self.rate


class Scale(LabelledEnum):
    LARGE = "large", "大型"
    SME = "sme", "中小型"


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
    # Experts score the candidates assigned to them by this moment (shown on their home page); optional.
    scoring_deadline: Mapped[datetime | None]
    quota_large: Mapped[int] = mapped_column(default=NOTICE_QUOTA)
    quota_sme: Mapped[int] = mapped_column(default=NOTICE_QUOTA)
    large_min_employees: Mapped[int] = mapped_column(default=NOTICE_LARGE_MIN_EMPLOYEES)
    large_min_revenue: Mapped[int] = mapped_column(default=NOTICE_LARGE_MIN_REVENUE)  # 万元
    # Who issues the campaign's documents (cover of the 申报书, the published list), in the order they
    # sign, separated by spaces. The notice of 2017 was issued by 国家质量监督检验检疫总局 and 工业和信息化部.
    issuing_authorities: Mapped[str] = mapped_column(
        String(200), default=DEFAULT_ISSUING_AUTHORITIES, server_default=DEFAULT_ISSUING_AUTHORITIES
    )
    rereview_sample_rate: Mapped[int] = mapped_column(
        default=NOTICE_SAMPLE_RATE, server_default=str(NOTICE_SAMPLE_RATE)
    )
    rereview_pass_threshold: Mapped[int] = mapped_column(
        default=NOTICE_PASS_THRESHOLD, server_default=str(NOTICE_PASS_THRESHOLD)
    )
    rereview_raised_rate: Mapped[int] = mapped_column(
        default=DEFAULT_RAISED_SAMPLE_RATE, server_default=str(DEFAULT_RAISED_SAMPLE_RATE)
    )
    archived: Mapped[bool] = mapped_column(default=False)
    # A batch selected before the portal existed, brought in from the ministries' sheets (portal.imports):
    # archived and published, it holds the imported units for 定期复核 and never becomes the current campaign.
    earlier_batch: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the ministries published the list of 工业计量标杆示范单位; decisions are final from then on.
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    criteria: Mapped[list["Criterion"]] = relationship(back_populates="campaign", order_by="Criterion.position")

    @property
    def scale_rule_text(self) -> str:
        """The scale rule in the notice's words, with this campaign's thresholds."""
        revenue_yi = f"{self.large_min_revenue / 10000:g}"
        return (
            f"从业人员 {self.large_min_employees} 人以下或营业收入 {revenue_yi} 亿元以下的为中小型企业，"
            "其余为大型企业。"
        )

    @property
    def issuer_names(self) -> list[str]:
        """The issuing authorities, one name each: ``["国家市场监督管理总局", "工业和信息化部"]``."""
        return authority_names(self.issuing_authorities or DEFAULT_ISSUING_AUTHORITIES)

    @property
    def sample_settings(self) -> SampleSettings:
        return SampleSettings(self.rereview_sample_rate, self.rereview_pass_threshold, self.rereview_raised_rate)

    def why_not_copyable(self) -> str | None:
        """An earlier batch brought in from the sheets has no windows or rubric worth carrying to next year."""
        return "往批导入的批次没有申报安排，不能复制为下一年度的批次。" if self.earlier_batch else None

    def quota(self, scale: Scale) -> int:
        """How many candidates of ``scale`` (大型 / 中小型) one recommender may rank."""
        return self.quota_large if scale == Scale.LARGE else self.quota_sme

    def scale_of(self, employees: int | None, revenue_wan: Decimal | float | None) -> Scale | None:
        """企业规模 by 附件2 注1, with this campaign's thresholds.

        "从业人员 1000 人以下或营业收入 4 亿元以下的为中小型企业": small/medium if fewer than
        the employees **or** revenue below the threshold ("以下" excludes the bound); large
        otherwise. ``None`` while either figure is missing.
        """
        if employees is None or revenue_wan is None:
            return None
        if employees < self.large_min_employees or Decimal(str(revenue_wan)) < self.large_min_revenue:
            return Scale.SME
        return Scale.LARGE

    def why_applications_closed(self, now: datetime) -> str | None:
        """Why enterprises may not save or submit at ``now``; ``None`` inside the window."""
        if now < self.opens_at:
            return f"{self.name}将于 {format_local(self.opens_at)} 开始接受申报。"
        if now >= self.closes_at:
            return f"{self.name}的申报已于 {format_local(self.closes_at)} 截止。"
        return None

    def accepts_recommendations(self, now: datetime) -> bool:
        """Recommenders may review and rank from the opening until ``recommend_deadline``."""
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

    campaign: Mapped[Campaign] = relationship(back_populates="criteria")


# Our design (the notice gives no rubric): the five criteria every new campaign starts with.
DEFAULT_RUBRIC = [
    ("过程计量保障", "计量保证大纲，研制、试验、生产各阶段的计量控制", Decimal(25)),
    ("计量工作有效性", "计量过程管理体系及其内外审，测量设备计量确认", Decimal(20)),
    ("计量管理", "组织、制度、人员、设备、标准与数据管理", Decimal(25)),
    ("技术先进性与创新", "测量技术、在线计量、数据应用的先进性", Decimal(15)),
    ("示范推广价值", "做法与经验在行业内的可复制、可推广程度", Decimal(15)),
]
