"""Creating, copying and archiving campaigns, and editing their rubric. Each checks, writes, audits.

The admin pages, ``flask create-campaign`` and the demo all create campaigns through
:func:`create_campaign`, so every campaign starts with the default rubric and valid dates.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit import record_audit
from portal.campaigns.models import DEFAULT_RUBRIC, Campaign, Criterion, authority_names
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import from_local
from portal.review.models import Score

CAMPAIGN_FIELDS = (
    "name",
    "year",
    "opens_at",
    "closes_at",
    "recommend_deadline",
    "scoring_deadline",
    "quota_large",
    "quota_sme",
    "large_min_employees",
    "large_min_revenue",
    "issuing_authorities",
    "rereview_sample_rate",
    "rereview_pass_threshold",
    "rereview_raised_rate",
)
DATE_ORDER_PROBLEM = "时间顺序应为：申报开始 < 申报截止 ≤ 推荐报送截止。"
SCORING_DEADLINE_PROBLEM = "专家评分截止应晚于推荐报送截止。"


def dates_in_order(opens_at: datetime, closes_at: datetime, recommend_deadline: datetime) -> bool:
    return opens_at < closes_at <= recommend_deadline


def _check_campaign(values: dict, campaign: Campaign | None) -> None:
    if not dates_in_order(values["opens_at"], values["closes_at"], values["recommend_deadline"]):
        raise RuleViolation(DATE_ORDER_PROBLEM)
    if values.get("scoring_deadline") and values["scoring_deadline"] <= values["recommend_deadline"]:
        raise RuleViolation(SCORING_DEADLINE_PROBLEM)
    clash = select(Campaign.id).where(func.lower(Campaign.name) == values["name"].strip().lower())
    if campaign is not None:
        clash = clash.where(Campaign.id != campaign.id)
    if db.session.scalar(clash):
        raise RuleViolation(f"已有名为“{values['name']}”的批次。")


def _write_fields(campaign: Campaign, values: dict) -> None:
    for field in CAMPAIGN_FIELDS:
        if field in values and values[field] is not None:
            value = values[field]
            if field == "name":
                value = value.strip()
            elif field == "issuing_authorities":
                value = " ".join(authority_names(value))  # stored one way, typed with 、 or spaces
            setattr(campaign, field, value)


def _audit_values(campaign: Campaign) -> dict:
    return {field: str(getattr(campaign, field)) for field in CAMPAIGN_FIELDS}


def _default_rubric() -> list[Criterion]:
    return [
        Criterion(position=position, name=name, description=description, weight=weight)
        for position, (name, description, weight) in enumerate(DEFAULT_RUBRIC, start=1)
    ]


def create_campaign(values: dict, user: User | None) -> Campaign:
    """A new campaign with the default rubric; times are naive UTC. Missing quotas and
    thresholds take the notice's numbers (the model's defaults)."""
    _check_campaign(values, None)
    campaign = Campaign()
    _write_fields(campaign, values)
    campaign.criteria = _default_rubric()
    db.session.add(campaign)
    db.session.flush()
    record_audit("campaign.create", campaign, _audit_values(campaign), user)
    return campaign


def update_campaign(campaign: Campaign, values: dict, user: User) -> Campaign:
    """Change a campaign's name, dates, quotas or thresholds."""
    _check_campaign(values, campaign)
    _write_fields(campaign, values)
    db.session.flush()
    record_audit("campaign.update", campaign, _audit_values(campaign), user)
    return campaign


def _a_year_later(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28)


def copy_campaign(source: Campaign, user: User) -> Campaign:
    """Next year's campaign from ``source``: dates a year on, same quotas, thresholds and rubric."""
    refusal = source.why_not_copyable()
    if refusal:
        raise RuleViolation(refusal)
    values = {field: getattr(source, field) for field in CAMPAIGN_FIELDS}
    values |= {"year": source.year + 1, "name": source.name.replace(str(source.year), str(source.year + 1), 1)}
    if values["name"] == source.name:
        values["name"] = f"{source.name}（{source.year + 1}）"
    for field in ("opens_at", "closes_at", "recommend_deadline", "scoring_deadline"):
        values[field] = _a_year_later(values[field]) if values[field] else None
    _check_campaign(values, None)
    campaign = Campaign()
    _write_fields(campaign, values)
    campaign.criteria = [
        Criterion(
            position=c.position,
            name=c.name,
            description=c.description,
            weight=c.weight,
            min_score=c.min_score,
            max_score=c.max_score,
        )
        for c in source.criteria
    ]
    db.session.add(campaign)
    db.session.flush()
    record_audit("campaign.copy", campaign, {"from": source.id}, user)
    return campaign


def archive_campaign(campaign: Campaign, user: User) -> None:
    """Close a campaign for good: it leaves the working views (its data and exports stay)."""
    campaign.archived = True
    db.session.flush()
    record_audit("campaign.archive", campaign, None, user)


def earlier_batch_name(year: int) -> str:
    return f"{year}年度工业计量标杆示范单位（往批导入）"


def create_earlier_batch(year: int, published_on: date, user: User) -> Campaign:
    """The campaign holding the units of ``year`` selected before the portal existed: archived (so never
    the current campaign nor in the working views) and published on ``published_on``."""
    opens_at = from_local(datetime(year, 1, 1))
    campaign = create_campaign(
        {
            "name": earlier_batch_name(year),
            "year": year,
            "opens_at": opens_at,
            "closes_at": opens_at + timedelta(days=1),
            "recommend_deadline": opens_at + timedelta(days=1),
        },
        user,
    )
    campaign.archived, campaign.earlier_batch = True, True
    campaign.published_at = from_local(datetime.combine(published_on, time()))
    db.session.flush()
    return campaign


# --- the rubric ---------------------------------------------------------------------------------


def rubric(campaign: Campaign) -> list[Criterion]:
    """The campaign's criteria in order."""
    return list(
        db.session.scalars(select(Criterion).where(Criterion.campaign_id == campaign.id).order_by(Criterion.position))
    )


def check_rubric(rows: list[dict]) -> None:
    """Names given, weights positive and adding up to 100, each range in order."""
    if not rows:
        raise RuleViolation("评分细则至少要有一项。")
    for number, row in enumerate(rows, start=1):
        if not (row.get("name") or "").strip():
            raise RuleViolation(f"第 {number} 项缺少名称。")
        if row["weight"] is None or row["weight"] <= 0:
            raise RuleViolation(f"第 {number} 项“{row['name']}”的权重应大于 0。")
        if row["min_score"] is None or row["max_score"] is None or row["min_score"] >= row["max_score"]:
            raise RuleViolation(f"第 {number} 项“{row['name']}”的分值范围应为“最低分 < 最高分”。")
    total = sum(Decimal(row["weight"]) for row in rows)
    if total != 100:
        raise RuleViolation(f"各项权重之和应为 100，当前为 {total:g}。")


def save_rubric(campaign: Campaign, rows: list[dict], user: User) -> list[Criterion]:
    """Replace the rubric, as long as no expert has scored yet."""
    check_rubric(rows)
    scored = db.session.scalar(select(Score.id).join(Criterion).where(Criterion.campaign_id == campaign.id).limit(1))
    if scored is not None:
        raise RuleViolation("专家已开始评分，评分细则不能再修改。")
    for criterion in rubric(campaign):
        db.session.delete(criterion)
    db.session.flush()
    db.session.expire(campaign, ["criteria"])
    criteria = [
        Criterion(
            campaign_id=campaign.id,
            position=position,
            name=row["name"].strip(),
            description=(row.get("description") or "").strip() or None,
            weight=Decimal(row["weight"]),
            min_score=row["min_score"],
            max_score=row["max_score"],
        )
        for position, row in enumerate(rows, start=1)
    ]
    db.session.add_all(criteria)
    db.session.flush()
    record_audit(
        "rubric.save",
        campaign,
        {"criteria": [[c.name, str(c.weight), c.min_score, c.max_score] for c in criteria]},
        user,
    )
    return criteria
