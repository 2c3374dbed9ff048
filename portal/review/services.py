"""The ministries' review: rubric, experts, assignments, scores, site visits, decisions, publication.

Every state change checks its rule, writes, flushes and records who did it; views commit.
"""

from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.accounts.models import Role, User
from portal.admin.services import apply_changes, invite_staff, update_staff_details
from portal.applications.models import Application, ApplicationStatus
from portal.audit import record_audit
from portal.campaigns.models import Campaign
from portal.campaigns.services import rubric
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.reasons import require_reason
from portal.core.timeutil import local_today, utcnow
from portal.files import FileOwner, store_if_given
from portal.notifications.services import enterprise_users, notify
from portal.review.models import (
    Assignment,
    Decision,
    DecisionOutcome,
    DeclaredConflict,
    ExpertOpinion,
    ExpertProfile,
    Score,
    SiteVisit,
)
from portal.review.scoring import weighted_total

CANDIDATE_STATUSES = (
    ApplicationStatus.RECOMMENDED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.SELECTED,
    ApplicationStatus.NOT_SELECTED,
)


def _ensure_not_published(campaign: Campaign) -> None:
    if campaign.published_at is not None:
        raise RuleViolation("名单已公布，评审结果不能再修改。")


def _ensure_candidate(application: Application) -> None:
    if application.status not in CANDIDATE_STATUSES:
        raise RuleViolation("该申报书不在推荐名单中，不是评审候选。")


# --- experts and assignments --------------------------------------------------------------------


def create_expert(
    campaign: Campaign,
    username: str,
    email: str,
    name: str,
    organisation: str,
    region: str,
    specialities: str | None,
    user: User,
) -> ExpertProfile:
    """An expert's account and profile. The expert sets the password from the one-time link e-mailed to
    ``email``, like other staff: the reviewer never knows it (and so cannot score in the expert's name)."""
    account, _link = invite_staff(username, name, email.strip(), Role.EXPERT, None, user)
    expert = ExpertProfile(user_id=account.id, campaign_id=campaign.id, **_profile(organisation, region, specialities))
    db.session.add(expert)
    db.session.flush()
    record_audit("expert.create", expert, {"username": username, "organisation": organisation, "region": region}, user)
    return expert


def update_expert(
    expert: ExpertProfile,
    email: str,
    name: str,
    organisation: str,
    region: str,
    specialities: str | None,
    user: User,
) -> None:
    """An expert's name, e-mail and what the conflict-of-interest checks read; the login stays."""
    update_staff_details(expert.user, name, email.strip(), expert.user.mobile, user)
    changes = apply_changes(expert, _profile(organisation, region, specialities))
    if changes:
        db.session.flush()
        record_audit("expert.update", expert, {"changes": changes}, user)


def _profile(organisation: str, region: str, specialities: str | None) -> dict:
    """What the conflict-of-interest checks read of an expert, as stored."""
    return {
        "organisation": organisation.strip(),
        "region": region,
        "specialities": (specialities or "").strip() or None,
    }


def declare_conflict(expert: ExpertProfile, application: Application, reason: str, user: User) -> None:
    reason = require_reason(reason, "回避原因")
    if conflict_of_interest(expert, application, declared=set()):
        raise RuleViolation("该专家与该企业已因地区或单位回避。")
    db.session.add(DeclaredConflict(expert_id=expert.id, application_id=application.id, reason=reason))
    db.session.flush()
    record_audit("expert.declare_conflict", application, {"expert_id": expert.id, "reason": reason}, user)


def declared_conflicts(campaign: Campaign) -> set[tuple[int, int]]:
    """``(expert id, application id)`` pairs declared for the campaign's experts."""
    return set(
        map(
            tuple,
            db.session.execute(
                select(DeclaredConflict.expert_id, DeclaredConflict.application_id)
                .join(ExpertProfile, ExpertProfile.id == DeclaredConflict.expert_id)
                .where(ExpertProfile.campaign_id == campaign.id)
            ),
        )
    )


def conflict_of_interest(expert: ExpertProfile, application: Application, declared: set[tuple[int, int]]) -> str | None:
    """Why ``expert`` may not score ``application``, or ``None``."""
    if expert.region == application.province:
        return f"专家与企业同属{expert.region}"
    if expert.organisation in (application.org_name, application.recommender.name if application.recommender else None):
        return f"专家所在单位为{expert.organisation}"
    if (expert.id, application.id) in declared:
        return "专家已声明回避"
    return None


def _add_assignment(application: Application, expert: ExpertProfile, user: User) -> Assignment:
    assignment = Assignment(application=application, expert=expert, assigned_by_id=user.id)
    db.session.add(assignment)
    if application.status == ApplicationStatus.RECOMMENDED:
        application.move_to(ApplicationStatus.UNDER_REVIEW, user, label="进入专家评审")
    return assignment


def assign(application: Application, expert: ExpertProfile, user: User) -> Assignment:
    """Give a candidate to an expert by hand, refusing conflicts of interest."""
    _ensure_candidate(application)
    _ensure_not_published(application.campaign)
    reason = conflict_of_interest(expert, application, declared_conflicts(application.campaign))
    if reason:
        raise RuleViolation(f"利益冲突，不能分配：{reason}。")
    if db.session.scalar(
        select(Assignment.id).where(Assignment.application_id == application.id, Assignment.expert_id == expert.id)
    ):
        raise RuleViolation(f"已分配给{expert.name}。")
    assignment = _add_assignment(application, expert, user)
    db.session.flush()
    record_audit("review.assign", application, {"expert_id": expert.id}, user)
    notify([expert.user], f"新的评审任务：{application.display_name}", "experts.score", assignment_id=assignment.id)
    return assignment


def candidates(campaign: Campaign) -> list[Application]:
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.campaign_id == campaign.id, Application.status.in_(CANDIDATE_STATUSES))
            .order_by(Application.id)
        )
    )


def auto_assign(campaign: Campaign, experts_per_candidate: int, user: User) -> int:
    """Give every candidate ``experts_per_candidate`` experts, the least loaded first, never a conflict.

    The most constrained candidates (fewest eligible experts) go first, so balance is kept where it
    is hardest. Returns the number of new assignments; candidates that cannot be covered are refused.
    """
    _ensure_not_published(campaign)
    experts = list(db.session.scalars(select(ExpertProfile).where(ExpertProfile.campaign_id == campaign.id)))
    if not experts:
        raise RuleViolation("请先添加评审专家。")
    declared = declared_conflicts(campaign)
    existing = set(
        map(
            tuple,
            db.session.execute(
                select(Assignment.application_id, Assignment.expert_id)
                .join(Application)
                .where(Application.campaign_id == campaign.id)
            ),
        )
    )
    load = Counter(expert_id for _, expert_id in existing)
    open_candidates = [
        a for a in candidates(campaign) if a.status in (ApplicationStatus.RECOMMENDED, ApplicationStatus.UNDER_REVIEW)
    ]
    eligible = {a.id: [e for e in experts if not conflict_of_interest(e, a, declared)] for a in open_candidates}
    short = [a.display_name for a in open_candidates if len(eligible[a.id]) < experts_per_candidate]
    if short:
        raise RuleViolation(
            f"可回避后专家不足 {experts_per_candidate} 人的候选：{'、'.join(short[:5])}"
            f"{' 等' if len(short) > 5 else ''}。请增加其他地区、单位的专家。"
        )
    added = Counter()
    for application in sorted(open_candidates, key=lambda a: (len(eligible[a.id]), a.id)):
        already = {expert_id for app_id, expert_id in existing if app_id == application.id}
        for expert in sorted(
            (e for e in eligible[application.id] if e.id not in already), key=lambda e: (load[e.id], e.id)
        ):
            if len(already) >= experts_per_candidate:
                break
            _add_assignment(application, expert, user)
            already.add(expert.id)
            load[expert.id] += 1
            added[expert] += 1
    db.session.flush()
    for expert, count in added.items():
        notify([expert.user], f"新的评审任务：{count} 家候选单位", "experts.assignments")
    record_audit("review.auto_assign", campaign, {"per_candidate": experts_per_candidate, "added": added.total()}, user)
    return added.total()


# --- scoring ------------------------------------------------------------------------------------


def save_scores(
    assignment: Assignment,
    expert_user: User,
    values: dict[int, tuple[Decimal | None, str | None]],
    opinion: ExpertOpinion | None,
    comment: str | None,
    submit: bool,
) -> None:
    """Save an expert's scores (a draft, or submitted and final). Each score must be in its range."""
    if assignment.expert.user_id != expert_user.id:
        raise RuleViolation("该候选未分配给您。")
    if assignment.submitted_at is not None:
        raise RuleViolation("评分已提交，不能再修改。")
    _ensure_not_published(assignment.application.campaign)
    criteria = rubric(assignment.application.campaign)
    problems = []
    for criterion in criteria:
        value = values.get(criterion.id, (None, None))[0]
        if value is None:
            if submit:
                problems.append(f"请为“{criterion.name}”打分。")
        elif not criterion.min_score <= value <= criterion.max_score:
            problems.append(f"“{criterion.name}”的分数应在 {criterion.min_score}–{criterion.max_score} 之间。")
    if submit and opinion is None:
        problems.append("请给出评审意见（建议入选或不建议入选）。")
    if problems:
        raise RuleViolation(" ".join(problems))
    existing = assignment.scores_by_criterion()
    for criterion in criteria:
        value, criterion_comment = values.get(criterion.id, (None, None))
        score = existing.get(criterion.id)
        if value is None:
            if score is not None:
                assignment.scores.remove(score)
            continue
        if score is None:
            score = Score(criterion_id=criterion.id, value=value)
            assignment.scores.append(score)
        score.value, score.comment = value, (criterion_comment or "").strip() or None
    assignment.opinion, assignment.comment = opinion, (comment or "").strip() or None
    if submit:
        assignment.submitted_at = utcnow()
        assignment.total = weighted_total(criteria, {score.criterion_id: score.value for score in assignment.scores})
    db.session.flush()
    record_audit(
        "review.score_submit" if submit else "review.score_save",
        assignment.application,
        {"assignment_id": assignment.id},
        expert_user,
    )


# --- site visits, decisions, publication --------------------------------------------------------


def record_site_visit(
    application: Application, visited_on: date, team: str, findings: str, report: FileStorage | None, user: User
) -> SiteVisit:
    """A site visit with its report, a ministry-internal file the enterprise and its recommender never see."""
    _ensure_candidate(application)
    if visited_on > local_today():
        raise RuleViolation("核查日期不能晚于今天。")
    visit = SiteVisit(
        application_id=application.id,
        visited_on=visited_on,
        team=team.strip(),
        findings=findings.strip(),
        report_file=store_if_given(report, user, FileOwner.MINISTRY, application),
        recorded_by_id=user.id,
    )
    db.session.add(visit)
    db.session.flush()
    record_audit("review.site_visit", application, {"visited_on": visited_on.isoformat(), "team": team}, user)
    return visit


def decide(application: Application, outcome: DecisionOutcome, reason: str, user: User) -> Decision:
    """Record 入选 / 未入选 with a reason; a later change is a revision, until the list is published."""
    _ensure_candidate(application)
    _ensure_not_published(application.campaign)
    reason = require_reason(reason, "决定理由")
    decision = db.session.scalar(select(Decision).where(Decision.application_id == application.id).with_for_update())
    if decision is None:
        decision = Decision(application_id=application.id, outcome=outcome, reason=reason, decided_by_id=user.id)
        db.session.add(decision)
        previous = None
    else:
        previous = decision.outcome.value
        decision.outcome, decision.reason, decision.decided_by_id = outcome, reason, user.id
        decision.decided_at, decision.revision = utcnow(), decision.revision + 1
    db.session.flush()
    record_audit("review.decide", application, {"outcome": outcome.value, "previous": previous, "reason": reason}, user)
    return decision


BULK_DECISION_LIMIT = 500


def decide_many(
    campaign: Campaign, application_ids: list[int], outcome: DecisionOutcome, reason: str, user: User
) -> list[Decision]:
    """One decision with one reason for many candidates, all or nothing.

    Each candidate goes through :func:`decide`, so its decision, revision and audit entry are exactly
    those of a decision taken on its own page; one entry ``review.decide_many`` on the campaign says
    which decisions were taken together. The first candidate refused refuses the whole batch (the
    savepoint is rolled back, and the request rolls back too) with that candidate's name.
    """
    _ensure_not_published(campaign)
    reason = require_reason(reason, "决定理由")
    ids = list(dict.fromkeys(application_ids))
    if not ids:
        raise RuleViolation("请先选择候选单位。")
    if len(ids) > BULK_DECISION_LIMIT:
        raise RuleViolation(f"一次最多决定 {BULK_DECISION_LIMIT} 家，请分批进行。")
    found = {
        application.id: application
        for application in db.session.scalars(
            select(Application).where(Application.id.in_(ids), Application.campaign_id == campaign.id)
        )
    }
    unknown = len([application_id for application_id in ids if application_id not in found])
    if unknown:
        raise RuleViolation(f"所选的 {unknown} 家不是本批次的候选单位，整批未记录。请返回候选单位列表重新选择。")
    decisions = []
    with db.session.begin_nested():
        for application_id in ids:
            application = found[application_id]
            try:
                decisions.append(decide(application, outcome, reason, user))
            except RuleViolation as error:
                raise RuleViolation(f"{application.display_name}：{error}整批未记录。") from error
    record_audit(
        "review.decide_many", campaign, {"outcome": outcome.value, "applications": ids, "reason": reason}, user
    )
    return decisions


def publish(campaign: Campaign, user: User) -> int:
    """Publish the list: every candidate must be decided; enterprises then see their result."""
    _ensure_not_published(campaign)
    locked = db.session.scalar(
        select(Campaign).where(Campaign.id == campaign.id).with_for_update().execution_options(populate_existing=True)
    )
    _ensure_not_published(locked)
    decisions = {
        d.application_id: d
        for d in db.session.scalars(select(Decision).join(Application).where(Application.campaign_id == campaign.id))
    }
    pending = [a.display_name for a in candidates(campaign) if a.id not in decisions]
    if pending:
        raise RuleViolation(
            f"还有 {len(pending)} 家候选尚未决定：{'、'.join(pending[:5])}{' 等' if len(pending) > 5 else ''}。"
        )
    if not decisions:
        raise RuleViolation("没有可公布的评审结果。")
    for application in candidates(campaign):
        decision = decisions[application.id]
        status = (
            ApplicationStatus.SELECTED
            if decision.outcome == DecisionOutcome.SELECTED
            else ApplicationStatus.NOT_SELECTED
        )
        application.move_to(status, user, reason=f"{campaign.name}评审结果已公布")
        notify(enterprise_users(application), f"{campaign.name}评审结果已公布：{status.label}", "applications.status")
    locked.published_at = utcnow()
    db.session.flush()
    selected = sum(1 for d in decisions.values() if d.outcome == DecisionOutcome.SELECTED)
    record_audit("review.publish", campaign, {"selected": selected, "candidates": len(decisions)}, user)
    return selected
