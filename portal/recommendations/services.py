"""A recommender's actions on the applications addressed to it, and its ranked list."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.admin.models import Campaign
from portal.applications.models import Application, ApplicationStatus, StatusEvent
from portal.applications.rules import Scale
from portal.audit import record_audit
from portal.errors import RuleViolation
from portal.extensions import db
from portal.recommendations.models import RankingEntry, Recommendation
from portal.timeutil import format_local, utcnow

RETURN_REASON_MIN_CHARS = 5


def _ensure_recommender_may_act(application: Application, user: User) -> None:
    if application.recommender_id != user.organisation_id:
        raise RuleViolation("该申报书未提交给本单位。")
    campaign = application.campaign
    if not campaign.accepts_recommendations(utcnow()):
        raise RuleViolation(f"推荐报送已于 {format_local(campaign.recommend_deadline)} 截止。")


def _move(application: Application, status: ApplicationStatus, user: User, reason: str | None = None) -> None:
    application.status = status
    application.updated_at = utcnow()
    db.session.add(StatusEvent(application=application, status=status, label=status.label, actor_id=user.id, reason=reason))


def accept_application(application: Application, user: User) -> None:
    """Take a submitted application into the candidate pool (已受理)."""
    _ensure_recommender_may_act(application, user)
    if application.status != ApplicationStatus.SUBMITTED:
        raise RuleViolation(f"申报书当前状态为“{application.status.label}”，不能受理。")
    _move(application, ApplicationStatus.ACCEPTED, user)
    record_audit("application.accept", application)
    db.session.flush()


def return_application(application: Application, user: User, reason: str) -> None:
    """Send an application back to the enterprise for revision (退回修改), with a required reason."""
    _ensure_recommender_may_act(application, user)
    reason = (reason or "").strip()
    if len(reason) < RETURN_REASON_MIN_CHARS:
        raise RuleViolation(f"请填写退回理由（至少 {RETURN_REASON_MIN_CHARS} 个字），企业将据此修改。")
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED):
        raise RuleViolation(f"申报书当前状态为“{application.status.label}”，不能退回。")
    if db.session.scalar(select(RankingEntry.id).where(RankingEntry.application_id == application.id)):
        raise RuleViolation("该企业在推荐名单中，请先从名单中移除再退回。")
    _move(application, ApplicationStatus.RETURNED, user, reason)
    record_audit("application.return", application, {"reason": reason})
    db.session.flush()


def lock_recommendation(campaign: Campaign, recommender_id: int) -> Recommendation:
    """The recommender's list for ``campaign``, created if needed, with its row locked.

    Every change to the ranking goes through this lock, so two people of one organisation
    cannot both take the fifth place (PostgreSQL row lock; SQLite serialises writers).
    """
    query = (select(Recommendation)
             .where(Recommendation.campaign_id == campaign.id, Recommendation.recommender_id == recommender_id)
             .with_for_update().execution_options(populate_existing=True))
    recommendation = db.session.scalar(query)
    if recommendation is None:
        try:
            with db.session.begin_nested():
                db.session.add(Recommendation(campaign_id=campaign.id, recommender_id=recommender_id))
        except IntegrityError:
            pass  # created by a concurrent request; lock theirs
        recommendation = db.session.scalar(query)
    return recommendation


def _ensure_list_open(recommendation: Recommendation, campaign: Campaign) -> None:
    if recommendation.submitted_at is not None:
        raise RuleViolation("推荐汇总表已报送，排序已锁定。")
    if not campaign.accepts_recommendations(utcnow()):
        raise RuleViolation(f"推荐报送已于 {format_local(campaign.recommend_deadline)} 截止，排序已锁定。")


def _quota(campaign: Campaign, scale: Scale) -> int:
    return campaign.quota_large if scale == Scale.LARGE else campaign.quota_sme


def add_to_ranking(application: Application, user: User) -> RankingEntry:
    """Put an accepted candidate at the end of its scale's list, within the campaign's quota."""
    _ensure_recommender_may_act(application, user)
    recommendation = lock_recommendation(application.campaign, user.organisation_id)
    _ensure_list_open(recommendation, application.campaign)
    if application.status != ApplicationStatus.ACCEPTED:
        raise RuleViolation("只有已受理的申报书才能加入推荐名单。")
    if any(entry.application_id == application.id for entry in recommendation.entries):
        raise RuleViolation("该企业已在推荐名单中。")
    scale = application.scale
    quota = _quota(application.campaign, scale)
    ranked = recommendation.ranked(scale)
    if len(ranked) >= quota:
        raise RuleViolation(f"{scale.label}企业最多推荐 {quota} 家，名单已满。请先移除一家再加入。")
    entry = RankingEntry(recommendation=recommendation, application=application, scale=scale, rank=len(ranked) + 1)
    db.session.add(entry)
    db.session.flush()
    record_audit("ranking.add", application, {"scale": scale.value, "rank": entry.rank})
    return entry


def _renumber(recommendation: Recommendation, scale: Scale, ordered_application_ids: list[int]) -> None:
    """Rewrite one scale's list in a new order: delete and re-insert, since ranks are unique."""
    for entry in recommendation.ranked(scale):
        recommendation.entries.remove(entry)
    db.session.flush()
    for rank, application_id in enumerate(ordered_application_ids, start=1):
        recommendation.entries.append(RankingEntry(application_id=application_id, scale=scale, rank=rank))
    db.session.flush()


def _locked_order(application: Application, user: User) -> tuple[Recommendation, list[int]]:
    """The locked list holding ``application`` and the application ids of its scale, in rank order."""
    _ensure_recommender_may_act(application, user)
    recommendation = lock_recommendation(application.campaign, user.organisation_id)
    _ensure_list_open(recommendation, application.campaign)
    order = [entry.application_id for entry in recommendation.ranked(application.scale)]
    if application.id not in order:
        raise RuleViolation("该企业不在推荐名单中。")
    return recommendation, order


def move_in_ranking(application: Application, user: User, offset: int) -> None:
    """Move a candidate up (offset -1) or down (+1) within its list."""
    recommendation, order = _locked_order(application, user)
    index = order.index(application.id)
    target = min(max(index + offset, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    _renumber(recommendation, application.scale, order)
    record_audit("ranking.move", application, {"rank": target + 1})


def remove_from_ranking(application: Application, user: User) -> None:
    recommendation, order = _locked_order(application, user)
    order.remove(application.id)
    _renumber(recommendation, application.scale, order)
    record_audit("ranking.remove", application)
