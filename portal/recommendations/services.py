"""A recommender's actions on the applications addressed to it, and its ranked list."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.applications.models import Application, ApplicationStatus
from portal.audit import record_audit
from portal.campaigns.models import Campaign, Scale
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.reasons import require_reason
from portal.core.timeutil import utcnow
from portal.files import FileOwner, is_upload, store_upload
from portal.notifications.services import enterprise_users, notify, reviewers
from portal.recommendations.models import (
    RankingEntry,
    Recommendation,
    why_list_full,
    why_not_accept,
    why_not_return,
    why_recommender_cannot_act,
)


def find_recommendation(campaign: Campaign, recommender_id: int) -> Recommendation | None:
    """The recommender's list for ``campaign``, if it has started one (not locked)."""
    return db.session.scalar(
        select(Recommendation).where(
            Recommendation.campaign_id == campaign.id, Recommendation.recommender_id == recommender_id
        )
    )


def _ensure_recommender_may_act(application: Application, user: User, rule=why_recommender_cannot_act) -> None:
    """The application is addressed to the user's organisation, and ``rule`` allows the action now."""
    if application.recommender_id != user.organisation_id:
        raise RuleViolation("该申报书未提交给本单位。")
    recommendation = find_recommendation(application.campaign, user.organisation_id)
    if refusal := rule(application, recommendation, utcnow()):
        raise RuleViolation(refusal)


def accept_application(application: Application, user: User) -> None:
    """Take a submitted application into the candidate pool (已受理)."""
    _ensure_recommender_may_act(application, user, why_not_accept)
    application.move_to(ApplicationStatus.ACCEPTED, user)
    record_audit("application.accept", application, user=user)
    db.session.flush()


def return_application(application: Application, user: User, reason: str) -> None:
    """Send an application back to the enterprise for revision (退回修改), with a required reason."""
    reason = require_reason(reason, "退回理由")
    _ensure_recommender_may_act(application, user, why_not_return)
    application.move_to(ApplicationStatus.RETURNED, user, reason=reason)
    record_audit("application.return", application, {"reason": reason}, user)
    notify(enterprise_users(application), f"申报书被退回修改：{reason}", "applications.overview")
    db.session.flush()


def lock_recommendation(campaign: Campaign, recommender_id: int) -> Recommendation:
    """The recommender's list for ``campaign``, created if needed, with its row locked.

    Every change to the ranking goes through this lock, so two people of one organisation
    cannot both take the fifth place (PostgreSQL row lock; SQLite serialises writers).
    """
    query = (
        select(Recommendation)
        .where(Recommendation.campaign_id == campaign.id, Recommendation.recommender_id == recommender_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
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
    if refusal := recommendation.why_closed(campaign, utcnow()):
        raise RuleViolation(refusal)


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
    ranked = recommendation.ranked(scale)
    if refusal := why_list_full(application.campaign, scale, len(ranked)):
        raise RuleViolation(refusal)
    entry = RankingEntry(recommendation=recommendation, application=application, scale=scale, rank=len(ranked) + 1)
    db.session.add(entry)
    db.session.flush()
    record_audit("ranking.add", application, {"scale": scale.value, "rank": entry.rank}, user)
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
    record_audit("ranking.move", application, {"rank": target + 1}, user)


def remove_from_ranking(application: Application, user: User) -> None:
    recommendation, order = _locked_order(application, user)
    order.remove(application.id)
    _renumber(recommendation, application.scale, order)
    record_audit("ranking.remove", application, user=user)


def reorder_ranking(user: User, campaign: Campaign, scale: Scale, application_ids: list[int]) -> None:
    """Put one scale's list in the order given (drag and drop): the same candidates, reordered."""
    recommendation = lock_recommendation(campaign, user.organisation_id)
    _ensure_list_open(recommendation, campaign)
    current = [entry.application_id for entry in recommendation.ranked(scale)]
    if sorted(current) != sorted(application_ids):
        raise RuleViolation("名单已在其他窗口或由他人修改，请刷新页面后重新排序。")
    _renumber(recommendation, scale, application_ids)
    record_audit("ranking.reorder", recommendation, {"scale": scale.value, "order": application_ids}, user)


SUBMISSION_FIELDS = ("lead_department", "responsible_person", "contact_person", "contact_phone", "contact_email")


def _applications_of(recommendation: Recommendation, statuses) -> list[Application]:
    return list(
        db.session.scalars(
            select(Application)
            .where(
                Application.campaign_id == recommendation.campaign_id,
                Application.recommender_id == recommendation.recommender_id,
                Application.status.in_(statuses),
            )
            .order_by(Application.id)
            .with_for_update()
        )
    )


def submit_recommendation(
    campaign: Campaign, user: User, details: dict, sealed_scan: FileStorage | None
) -> Recommendation:
    """Submit the ranked 推荐汇总表: lock it, mark the ranked 已推荐 and the others 未推荐."""
    recommendation = lock_recommendation(campaign, user.organisation_id)
    _ensure_list_open(recommendation, campaign)
    if not recommendation.entries:
        raise RuleViolation("推荐名单为空，请先加入推荐企业再报送。")
    if not is_upload(sealed_scan):
        raise RuleViolation("请上传加盖公章的推荐汇总表扫描件。")
    missing = [name for name in SUBMISSION_FIELDS if not (details.get(name) or "").strip()]
    if missing:
        raise RuleViolation("请填写报送信息：牵头部门、责任人、联系人、电话和邮箱。")
    for name in SUBMISSION_FIELDS:
        setattr(recommendation, name, details[name].strip())
    recommendation.sealed_scan = store_upload(sealed_scan, user, FileOwner.RECOMMENDATION)
    recommendation.submitted_at = utcnow()
    recommendation.reopened_until = None
    ranks = {entry.application_id: entry for entry in recommendation.entries}
    recommender_name = recommendation.recommender.name
    for application in _applications_of(recommendation, (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED)):
        entry = ranks.get(application.id)
        if entry is not None:
            application.move_to(
                ApplicationStatus.RECOMMENDED,
                user,
                reason=f"{recommender_name}推荐，{entry.scale.label}企业第 {entry.rank} 名",
            )
        else:
            application.move_to(
                ApplicationStatus.NOT_RECOMMENDED, user, reason=f"{recommender_name}未将本单位列入推荐名单"
            )
        notify(
            enterprise_users(application),
            f"{application.status.label}：{application.events[-1].reason}",
            "applications.status",
        )
    db.session.flush()
    notify(
        reviewers(),
        f"{recommender_name}已报送推荐汇总表（{len(recommendation.entries)} 家）",
        "review.recommender",
        organisation_id=recommendation.recommender_id,
    )
    record_audit(
        "recommendation.submit",
        recommendation,
        {"ranked": [[entry.scale.value, entry.rank, entry.application_id] for entry in recommendation.entries]},
        user,
    )
    return recommendation


def _status_before_marking(application: Application) -> ApplicationStatus:
    """The status an application had before the list's submission marked it."""
    for event in reversed(application.events):
        if event.status not in (ApplicationStatus.RECOMMENDED, ApplicationStatus.NOT_RECOMMENDED):
            return event.status
    return ApplicationStatus.ACCEPTED


def unlock_recommendation(recommendation: Recommendation, reviewer: User, reason: str, until: datetime) -> None:
    """A ministry reviewer reopens a submitted or late list until ``until``, with a reason."""
    reason = require_reason(reason, "解锁理由")
    if until <= utcnow():
        raise RuleViolation("解锁截止时间应晚于当前时间。")
    campaign = recommendation.campaign
    if recommendation.is_open(campaign, utcnow()):
        raise RuleViolation("该推荐单位的名单尚未锁定，无需解锁。")
    if _applications_of(
        recommendation, (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.SELECTED, ApplicationStatus.NOT_SELECTED)
    ):
        raise RuleViolation("该推荐单位的候选已进入评审，不能解锁。")
    for application in _applications_of(
        recommendation, (ApplicationStatus.RECOMMENDED, ApplicationStatus.NOT_RECOMMENDED)
    ):
        application.move_to(
            _status_before_marking(application), reviewer, label="推荐结果撤回", reason=f"推荐名单重新开放：{reason}"
        )
    recommendation.submitted_at = None
    recommendation.reopened_until = until
    db.session.flush()
    record_audit("recommendation.unlock", recommendation, {"reason": reason, "until": until.isoformat()}, reviewer)
