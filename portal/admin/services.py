"""What administrators change: campaigns, organisations, staff accounts. Each checks, writes, audits."""

import secrets
from datetime import datetime

from sqlalchemy import func, select

from portal.accounts.models import Organisation, Role, User
from portal.accounts.services import create_staff_user
from portal.accounts.tokens import issue_password_link
from portal.admin.models import Campaign
from portal.audit import record_audit
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.review.models import Criterion

CAMPAIGN_FIELDS = (
    "name",
    "year",
    "opens_at",
    "closes_at",
    "recommend_deadline",
    "quota_large",
    "quota_sme",
    "large_min_employees",
    "large_min_revenue",
)


DATE_ORDER_PROBLEM = "时间顺序应为：申报开始 < 申报截止 ≤ 推荐报送截止。"


def dates_in_order(opens_at, closes_at, recommend_deadline) -> bool:
    return opens_at < closes_at <= recommend_deadline


def _check_campaign(values: dict, campaign: Campaign | None) -> None:
    if not dates_in_order(values["opens_at"], values["closes_at"], values["recommend_deadline"]):
        raise RuleViolation(DATE_ORDER_PROBLEM)
    clash = select(Campaign.id).where(func.lower(Campaign.name) == values["name"].strip().lower())
    if campaign is not None:
        clash = clash.where(Campaign.id != campaign.id)
    if db.session.scalar(clash):
        raise RuleViolation(f"已有名为“{values['name']}”的批次。")


def save_campaign(campaign: Campaign | None, values: dict, user: User) -> Campaign:
    """Create a campaign (with the default rubric) or change one; times are naive UTC."""
    _check_campaign(values, campaign)
    created = campaign is None
    campaign = campaign or Campaign()
    for field in CAMPAIGN_FIELDS:
        setattr(campaign, field, values[field].strip() if field == "name" else values[field])
    db.session.add(campaign)
    db.session.flush()
    record_audit(
        "campaign.create" if created else "campaign.update",
        campaign,
        {field: str(values[field]) for field in CAMPAIGN_FIELDS},
        user,
    )
    return campaign


def _a_year_later(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28)


def copy_campaign(source: Campaign, user: User) -> Campaign:
    """Next year's campaign from ``source``: dates a year on, same quotas, thresholds and rubric."""
    values = {field: getattr(source, field) for field in CAMPAIGN_FIELDS}
    values |= {"year": source.year + 1, "name": source.name.replace(str(source.year), str(source.year + 1), 1)}
    if values["name"] == source.name:
        values["name"] = f"{source.name}（{source.year + 1}）"
    for field in ("opens_at", "closes_at", "recommend_deadline"):
        values[field] = _a_year_later(values[field])
    _check_campaign(values, None)
    campaign = Campaign(**values, issuing_authorities=source.issuing_authorities)
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


def save_organisation(organisation: Organisation | None, values: dict, user: User) -> Organisation:
    name = values["name"].strip()
    clash = select(Organisation.id).where(Organisation.name == name)
    if organisation is not None:
        clash = clash.where(Organisation.id != organisation.id)
    if db.session.scalar(clash):
        raise RuleViolation(f"已有名为“{name}”的单位。")
    created = organisation is None
    organisation = organisation or Organisation()
    organisation.name, organisation.kind, organisation.region = name, values["kind"], values["region"]
    db.session.add(organisation)
    db.session.flush()
    record_audit(
        "organisation.create" if created else "organisation.update",
        organisation,
        {"name": name, "kind": values["kind"].value, "region": values["region"]},
        user,
    )
    return organisation


def invite_staff(
    username: str, display_name: str, email: str | None, role: Role, organisation: Organisation | None, user: User
) -> tuple[User, str]:
    """A staff account without a usable password, and the one-time link that lets its owner set one."""
    placeholder = secrets.token_urlsafe(24) + "a1"  # never told to anyone: the link sets the real one
    staff = create_staff_user(username, placeholder, role, display_name, organisation, email)
    return staff, issue_password_link(staff, "invite", user)


def _ensure_not_self(target: User, user: User) -> None:
    if target.id == user.id:
        raise RuleViolation("不能修改自己的账号状态或角色。")


def set_active(target: User, active: bool, user: User) -> None:
    """Deactivate (the user is logged out everywhere) or reactivate an account."""
    _ensure_not_self(target, user)
    target.active = active
    target.session_version += 1
    db.session.flush()
    record_audit("account.activate" if active else "account.deactivate", target, None, user)


def change_role(target: User, role: Role, organisation: Organisation | None, user: User) -> None:
    _ensure_not_self(target, user)
    if Role.ENTERPRISE in (role, target.role):
        raise RuleViolation("企业账号与工作人员账号不能互相转换。")
    if role == Role.RECOMMENDER and (organisation is None or not organisation.is_recommender):
        raise RuleViolation("推荐单位账号须属于一个推荐单位。")
    previous = target.role
    target.role, target.organisation = role, organisation
    target.session_version += 1
    db.session.flush()
    record_audit("account.change_role", target, {"from": previous.value, "to": role.value}, user)
