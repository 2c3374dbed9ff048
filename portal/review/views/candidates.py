"""Candidates: the list, one candidate's page, and what reviewers record on it (experts, site visits, decisions)."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forms.filters import CandidateFilterForm
from forms.review import (
    AssignForm,
    ConflictForm,
    DecisionForm,
    SiteVisitForm,
)
from portal.accounts.models import User
from portal.applications.models import Application
from portal.audit import AuditEntry
from portal.campaigns import services as campaign_services
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.pagination import requested_page
from portal.core.timeutil import local_today
from portal.core.transactions import refuse
from portal.recommendations.models import RankingEntry
from portal.review import services
from portal.review.candidates import candidate_recommenders, candidates_page
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
    filter_form = CandidateFilterForm(candidate_recommenders(campaign))
    filters = filter_form.filters()
    page = candidates_page(campaign, filters, requested_page(), local_today())
    return dict(
        campaign=campaign, page=page, rows=page.rows, total=page.total, filters=filters, filter_form=filter_form
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
        summary=summarise(criteria, assignments),
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
