"""Candidates: the list, one candidate's page, and what reviewers record on it (experts, site visits, decisions)."""

from collections import Counter
from urllib.parse import parse_qsl, urlencode

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forms.filters import CandidateFilterForm
from forms.review import (
    FILTER_KEYS,
    AssignForm,
    BulkDecisionForm,
    BulkSelectForm,
    ConflictForm,
    DecisionForm,
    SiteVisitForm,
)
from portal.accounts.models import User
from portal.applications.models import Application
from portal.audit import AuditEntry
from portal.campaigns import services as campaign_services
from portal.campaigns.models import Scale
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.pagination import requested_page
from portal.core.timeutil import local_today
from portal.core.transactions import refuse
from portal.recommendations.models import RankingEntry
from portal.reference import REGIONS
from portal.review import services
from portal.review.candidates import (
    BULK_LIMIT,
    candidate_rows,
    candidates_page,
    rows_with_mean_at_least,
    top_by_mean_per_scale,
)
from portal.review.models import Assignment, Decision, DecisionOutcome, ExpertProfile, SiteVisit
from portal.review.scoring import summarise
from portal.review.views import bp
from portal.review.views.lookups import campaign_or_404, candidate_or_404, experts_of
from portal.selfcheck import grouped_items


@bp.get("/candidates")
def candidates():
    """Every recommended candidate, with filters, search, sorting and paging."""
    return render_template("review/candidates.html", **_candidates_content())


def _candidates_content() -> dict:
    campaign = campaign_or_404()
    filter_form = CandidateFilterForm()
    filters = filter_form.filters()
    page = candidates_page(campaign, filters, requested_page(), local_today())
    active = {key: value for key, value in filters.items() if value}
    bulk_form = BulkSelectForm(formdata=None, data={"filters": urlencode(active)})
    return dict(
        campaign=campaign,
        page=page,
        rows=page.rows,
        total=page.total,
        filters=filters,
        filter_form=filter_form,
        bulk_form=bulk_form,
    )


@bp.get("/candidates/<int:application_id>")
def candidate(application_id: int):
    """The whole application, its history, the experts' scores, site visits and the decision."""
    return _render_candidate(candidate_or_404(application_id))


def _render_candidate(application: Application, status: int = 200, **forms):
    campaign = application.campaign
    criteria = campaign_services.rubric(campaign)
    assignments = list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.application_id == application.id)
            .options(selectinload(Assignment.scores))
            .order_by(Assignment.id)
        )
    )
    declared = services.declared_conflicts(campaign)
    experts = experts_of(campaign)
    assigned = {assignment.expert_id for assignment in assignments}
    assign_form = forms.get("assign_form") or AssignForm()
    assign_form.expert_id.choices = [
        (e.id, f"{e.name}（{e.organisation}，{e.region}）")
        for e in experts
        if e.id not in assigned and not services.conflict_of_interest(e, application, declared)
    ]
    conflict_form = forms.get("conflict_form") or ConflictForm(prefix="conflict")
    conflict_form.expert_id.choices = [(e.id, f"{e.name}（{e.organisation}）") for e in experts if e.id not in assigned]
    decision = db.session.scalar(select(Decision).where(Decision.application_id == application.id))
    decision_form = forms.get("decision_form") or DecisionForm(
        data={"outcome": decision.outcome.value, "reason": decision.reason} if decision else None
    )
    rank = db.session.scalar(select(RankingEntry.rank).where(RankingEntry.application_id == application.id))
    decision_history = db.session.execute(
        select(AuditEntry, User.display_name)
        .join(User, User.id == AuditEntry.user_id)
        .where(
            AuditEntry.action == "review.decide",
            AuditEntry.object_type == "Application",
            AuditEntry.object_id == application.id,
        )
        .order_by(AuditEntry.id)
    ).all()
    return render_template(
        "review/candidate.html",
        application=application,
        campaign=campaign,
        criteria=criteria,
        rank=rank,
        decision_history=decision_history,
        outcome_labels={o.value: o.label for o in DecisionOutcome},
        assignments=assignments,
        summary=summarise(assignments),
        decision=decision,
        visits=db.session.scalars(
            select(SiteVisit).where(SiteVisit.application_id == application.id).order_by(SiteVisit.visited_on)
        ).all(),
        assign_form=assign_form,
        conflict_form=conflict_form,
        decision_form=decision_form,
        visit_form=forms.get("visit_form") or SiteVisitForm(),
        groups=grouped_items(),
        answers=application.answers_by_code(),
        today=local_today(),
    ), status


def _redirect_to_candidate(application: Application):
    return redirect(url_for("review.candidate", application_id=application.id))


@bp.post("/candidates/<int:application_id>/assign")
def assign(application_id: int):
    application = candidate_or_404(application_id)
    form = AssignForm()
    form.expert_id.choices = [(e.id, "") for e in experts_of(application.campaign)]
    if not form.validate():
        return _render_candidate(application, 422, assign_form=form)
    expert = db.session.get(ExpertProfile, form.expert_id.data)
    services.assign(application, expert, current_user)
    flash(f"已分配给{expert.name}。", "success")
    return _redirect_to_candidate(application)


@bp.post("/candidates/<int:application_id>/conflict")
def declare_conflict(application_id: int):
    application = candidate_or_404(application_id)
    form = ConflictForm(prefix="conflict")
    form.expert_id.choices = [(e.id, "") for e in experts_of(application.campaign)]
    if not form.validate():
        return _render_candidate(application, 422, conflict_form=form)
    expert = db.session.get(ExpertProfile, form.expert_id.data)
    services.declare_conflict(expert, application, form.reason.data, current_user)
    flash(f"已记录{expert.name}回避。", "success")
    return _redirect_to_candidate(application)


@bp.post("/candidates/<int:application_id>/site-visit")
def site_visit(application_id: int):
    application = candidate_or_404(application_id)
    form = SiteVisitForm()
    if not form.validate():
        return _render_candidate(application, 422, visit_form=form)
    visit = (form.visited_on.data, form.team.data, form.findings.data, form.report.data)
    try:
        services.record_site_visit(application, *visit, current_user)
    except RuleViolation as error:
        refuse(error)
        return _render_candidate(application, 422, visit_form=form)
    flash("现场核查已记录。", "success")
    return _redirect_to_candidate(application)


@bp.post("/candidates/<int:application_id>/decide")
def decide(application_id: int):
    application = candidate_or_404(application_id)
    form = DecisionForm()
    if not form.validate():
        return _render_candidate(application, 422, decision_form=form)
    outcome = DecisionOutcome(form.outcome.data)
    try:
        services.decide(application, outcome, form.reason.data, current_user)
    except RuleViolation as error:
        refuse(error)
        return _render_candidate(application, 422, decision_form=form)
    flash(f"已记录评审决定：{outcome.label}。", "success")
    return _redirect_to_candidate(application)


# --- bulk decisions: choose on the list, look at the preview, decide ------------------------------


def _filters_from(form) -> dict[str, str]:
    """The list's filters the form carries (a query string), known keys only, as the list links use them."""
    pairs = parse_qsl(form.filters.data or "", keep_blank_values=False)[: len(FILTER_KEYS) * 2]
    return {key: value[:60] for key, value in pairs if key in FILTER_KEYS}


def _region_key(region: str) -> tuple[int, str]:
    """GB/T 2260 order, anything else after."""
    return (REGIONS.index(region), "") if region in REGIONS else (len(REGIONS), region or "")


def _back_to_list(filters: dict[str, str]):
    return redirect(url_for("review.candidates", **filters))


def _bulk_preview(campaign, form: BulkDecisionForm, rows, filters, status=200, ties=(), unknown=0):
    outcome = DecisionOutcome(form.outcome.data)
    return render_template(
        "review/bulk_preview.html",
        campaign=campaign,
        rows=rows,
        outcome=outcome,
        form=form,
        filters=filters,
        by_scale=[
            (scale.label, number)
            for scale in Scale
            if (number := sum(1 for row in rows if row.application.scale == scale))
        ],
        by_region=sorted(
            Counter(row.application.province for row in rows).items(), key=lambda item: _region_key(item[0])
        ),
        changes=sum(1 for row in rows if row.decision is not None and row.decision != outcome),
        ties=ties,
        unknown=unknown,
    ), status


@bp.post("/candidates/bulk/preview")
def bulk_preview():
    """Who would get which decision, with counts per scale and region. Changes nothing."""
    campaign = campaign_or_404()
    form = BulkSelectForm()
    filters = _filters_from(form)
    if not form.validate():
        for errors in form.errors.values():
            for error in errors if isinstance(errors, list) else [errors]:
                flash(error, "danger")
        return _back_to_list(filters)
    today, ties = local_today(), []
    if form.rule.data == "rows":
        rows = candidate_rows(campaign, {"sort": filters.get("sort", "")}, today, form.ids.data)
    elif form.rule.data == "mean":
        rows = rows_with_mean_at_least(candidate_rows(campaign, filters, today), form.min_mean.data)
    else:
        rows, ties = top_by_mean_per_scale(candidate_rows(campaign, filters, today), form.top_n.data)
    unknown = len(form.ids.data) - len(rows) if form.rule.data == "rows" else 0
    if not rows:
        flash("没有符合所选条件的候选单位（未评分的候选不参与按均分选择）。", "warning")
        return _back_to_list(filters)
    if len(rows) > BULK_LIMIT:
        flash(f"一次最多决定 {BULK_LIMIT} 家，请先用筛选缩小范围。", "warning")
        return _back_to_list(filters)
    decision_form = BulkDecisionForm(
        formdata=None,
        data={"ids": [row.application.id for row in rows], "outcome": form.outcome.data, "filters": form.filters.data},
    )
    return _bulk_preview(campaign, decision_form, rows, filters, ties=ties, unknown=unknown)


@bp.post("/candidates/bulk/decide")
def bulk_decide():
    """The decision and reason of the preview, for every candidate shown on it, all or nothing."""
    campaign = campaign_or_404()
    form = BulkDecisionForm()
    filters = _filters_from(form)
    if form.ids.errors or not form.validate():
        if form.ids.errors or form.outcome.errors or not form.ids.data:
            flash("批量决定的内容无效，请返回候选单位列表重新选择。", "danger")
            return _back_to_list(filters)
        rows = candidate_rows(campaign, {"sort": filters.get("sort", "")}, local_today(), form.ids.data)
        if not rows:
            flash("所选的候选单位不在本批次中，请返回列表重新选择。", "danger")
            return _back_to_list(filters)
        return _bulk_preview(campaign, form, rows, filters, 422)
    outcome = DecisionOutcome(form.outcome.data)
    try:
        decisions = services.decide_many(campaign, form.ids.data, outcome, form.reason.data, current_user)
    except RuleViolation as error:
        refuse(error)
        rows = candidate_rows(campaign, {"sort": filters.get("sort", "")}, local_today(), form.ids.data)
        if not rows:
            return _back_to_list(filters)
        return _bulk_preview(campaign, form, rows, filters, 422)
    flash(f"已将 {len(decisions)} 家候选记为{outcome.label}，每家的决定记录中各有一条。", "success")
    return _back_to_list(filters)
