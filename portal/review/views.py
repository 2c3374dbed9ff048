"""The ministry reviewers' pages: recommenders' progress, candidates, experts, decisions, publication."""

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.recommendations import UnlockForm
from forms.review import (
    AssignForm,
    AutoAssignForm,
    ConcludeForm,
    ConflictForm,
    DecisionForm,
    ExpertForm,
    OpenRoundForm,
    PublishForm,
    RubricForm,
    SiteVisitForm,
)
from portal.accounts.models import Organisation, Role, User
from portal.admin.models import Campaign, current_campaign
from portal.applications.models import Application, ApplicationStatus
from portal.applications.rules import Scale
from portal.audit import AuditEntry
from portal.core import page_cache
from portal.core.auth import require_role
from portal.core.extensions import db
from portal.core.timeutil import from_local, utcnow
from portal.core.transactions import apply_change
from portal.exports.national_workbook import write_national_workbook
from portal.exports.spreadsheets import send_workbook
from portal.files import store_upload_noting_refusal
from portal.recommendations import services as recommendation_services
from portal.recommendations.models import RankingEntry
from portal.reference import INDUSTRIES, REGIONS
from portal.review import rereview, services, statistics
from portal.review.candidates import PAGE_SIZE, SORT_LABELS, candidates_page
from portal.review.models import (
    Assignment,
    Decision,
    DecisionOutcome,
    ExpertProfile,
    ReReview,
    ReReviewOutcome,
    ReReviewRound,
    SiteVisit,
)
from portal.review.progress import recommender_progress
from portal.review.scoring import summarise
from portal.selfcheck import SELF_CHECK_ITEMS, grouped_items

bp = Blueprint("review", __name__, url_prefix="/review")
bp.before_request(require_role(Role.REVIEWER, Role.ADMIN))

CANDIDATE_FILTERS = ("scale", "industry", "region", "recommender", "decision", "q", "sort")


def _campaign():
    return current_campaign() or abort(404)


def _candidate_or_404(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or application.status not in services.CANDIDATE_STATUSES:
        abort(404)
    return application


def _experts(campaign) -> list[ExpertProfile]:
    return list(
        db.session.scalars(
            select(ExpertProfile).where(ExpertProfile.campaign_id == campaign.id).order_by(ExpertProfile.id)
        )
    )


@bp.get("/")
def dashboard():
    """The campaign on one screen: recommenders' progress, candidates by category, self-check compliance."""
    campaign = _campaign()
    progress = recommender_progress(campaign)
    now = utcnow()
    scoring = db.session.execute(
        select(db.func.count(Assignment.id), db.func.count(Assignment.submitted_at))
        .join(Application)
        .where(Application.campaign_id == campaign.id)
    ).one()
    decided = db.session.scalar(
        select(db.func.count(Decision.id)).join(Application).where(Application.campaign_id == campaign.id)
    )
    return render_template(
        "review/dashboard.html",
        campaign=campaign,
        now=now,
        submitted=sum(1 for row in progress if row.submitted_at),
        recommender_count=len(progress),
        late=[row for row in progress if row.state(campaign, now) == "逾期未报送" and row.received],
        by={dimension: statistics.counts_by(campaign, dimension) for dimension in statistics.DIMENSIONS},
        compliance=statistics.self_check_compliance(campaign),
        scoring=scoring,
        decided=decided,
        candidate_count=len(services.candidates(campaign)),
    )


@bp.get("/candidates")
def candidates():
    """Every recommended candidate, with filters, search, sorting and paging."""
    return page_cache.render_page("review/candidates.html", (), (page_cache.LISTS,), _candidates_content)


def _candidates_content() -> dict:
    campaign = _campaign()
    filters = {name: request.args.get(name, "") for name in CANDIDATE_FILTERS}
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = candidates_page(campaign, filters, page, date.today())
    recommenders = db.session.execute(
        select(Organisation.id, Organisation.name)
        .join(Application, Application.recommender_id == Organisation.id)
        .where(Application.campaign_id == campaign.id, Application.status.in_(services.CANDIDATE_STATUSES))
        .distinct()
        .order_by(Organisation.name)
    ).all()
    return dict(
        campaign=campaign,
        rows=rows,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        filters=filters,
        scales=list(Scale),
        industries=INDUSTRIES,
        regions=REGIONS,
        recommenders=recommenders,
        outcomes=list(DecisionOutcome),
        sort_labels=SORT_LABELS,
    )


@bp.get("/candidates/<int:application_id>")
def candidate(application_id: int):
    """The whole application, its history, the experts' scores, site visits and the decision."""
    return _render_candidate(_candidate_or_404(application_id))


def _render_candidate(application: Application, status: int = 200, **forms):
    campaign = application.campaign
    criteria = services.rubric(campaign)
    assignments = list(
        db.session.scalars(
            select(Assignment).where(Assignment.application_id == application.id).order_by(Assignment.id)
        )
    )
    declared = services.declared_conflicts(campaign)
    experts = _experts(campaign)
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
        today=date.today(),
    ), status


def _redirect_to_candidate(application: Application):
    return redirect(url_for("review.candidate", application_id=application.id))


@bp.post("/candidates/<int:application_id>/assign")
def assign(application_id: int):
    application = _candidate_or_404(application_id)
    form = AssignForm()
    form.expert_id.choices = [(e.id, "") for e in _experts(application.campaign)]
    if not form.validate():
        return _render_candidate(application, 422, assign_form=form)
    expert = db.session.get(ExpertProfile, form.expert_id.data)
    apply_change(lambda: services.assign(application, expert, current_user), f"已分配给{expert.name}。")
    return _redirect_to_candidate(application)


@bp.post("/candidates/<int:application_id>/conflict")
def declare_conflict(application_id: int):
    application = _candidate_or_404(application_id)
    form = ConflictForm(prefix="conflict")
    form.expert_id.choices = [(e.id, "") for e in _experts(application.campaign)]
    if not form.validate():
        return _render_candidate(application, 422, conflict_form=form)
    expert = db.session.get(ExpertProfile, form.expert_id.data)
    apply_change(
        lambda: services.declare_conflict(expert, application, form.reason.data, current_user),
        f"已记录{expert.name}回避。",
    )
    return _redirect_to_candidate(application)


@bp.post("/candidates/<int:application_id>/site-visit")
def site_visit(application_id: int):
    application = _candidate_or_404(application_id)
    form = SiteVisitForm()
    if not form.validate():
        return _render_candidate(application, 422, visit_form=form)
    errors: list[str] = []
    report = store_upload_noting_refusal(form.report.data, current_user, errors, application)
    if errors:
        form.report.errors = errors
        return _render_candidate(application, 422, visit_form=form)
    if apply_change(
        lambda: services.record_site_visit(
            application, form.visited_on.data, form.team.data, form.findings.data, report, current_user
        ),
        "现场核查已记录。",
    ):
        return _redirect_to_candidate(application)
    return _render_candidate(application, 422, visit_form=form)


@bp.post("/candidates/<int:application_id>/decide")
def decide(application_id: int):
    application = _candidate_or_404(application_id)
    form = DecisionForm()
    if not form.validate():
        return _render_candidate(application, 422, decision_form=form)
    outcome = DecisionOutcome(form.outcome.data)
    if apply_change(
        lambda: services.decide(application, outcome, form.reason.data, current_user),
        f"已记录评审决定：{outcome.label}。",
    ):
        return _redirect_to_candidate(application)
    return _render_candidate(application, 422, decision_form=form)


@bp.route("/experts", methods=["GET", "POST"])
def experts():
    """The campaign's experts with their load; add an expert; assign automatically."""
    campaign = _campaign()
    form = ExpertForm()
    if form.validate_on_submit():
        if apply_change(
            lambda: services.create_expert(
                campaign,
                form.username.data,
                form.email.data,
                form.name.data,
                form.organisation.data,
                form.region.data,
                form.specialities.data,
                current_user,
            ),
            f"已添加专家：{form.name.data}。设置密码的一次性链接已发送至 {form.email.data}，由专家本人设置密码。",
        ):
            return redirect(url_for("review.experts"))
    return _render_experts(campaign, form, AutoAssignForm(), 422 if form.errors else 200)


def _render_experts(campaign, expert_form: ExpertForm, auto_form: AutoAssignForm, status: int = 200):
    loads = dict(db.session.execute(select(Assignment.expert_id, db.func.count()).group_by(Assignment.expert_id)).all())
    done = dict(
        db.session.execute(
            select(Assignment.expert_id, db.func.count())
            .where(Assignment.submitted_at.is_not(None))
            .group_by(Assignment.expert_id)
        ).all()
    )
    return render_template(
        "review/experts.html",
        campaign=campaign,
        experts=_experts(campaign),
        loads=loads,
        done=done,
        form=expert_form,
        auto_form=auto_form,
        candidate_count=len(services.candidates(campaign)),
    ), status


@bp.post("/experts/auto-assign")
def auto_assign():
    campaign = _campaign()
    form = AutoAssignForm()
    if not form.validate():
        return _render_experts(campaign, ExpertForm(formdata=None), form, 422)
    apply_change(
        lambda: services.auto_assign(campaign, form.experts_per_candidate.data, current_user),
        "已按回避规则和均衡原则自动分配。",
    )
    return redirect(url_for("review.experts"))


@bp.route("/publish", methods=["GET", "POST"])
def publish():
    """Check the decisions and publish the list of 工业计量标杆示范单位."""
    campaign = _campaign()
    form = PublishForm()
    if form.validate_on_submit():
        if apply_change(lambda: services.publish(campaign, current_user), "名单已公布，企业可在申报进度中查看结果。"):
            return redirect(url_for("review.publish"))
    decided = dict(
        db.session.execute(
            select(Decision.outcome, db.func.count())
            .join(Application)
            .where(Application.campaign_id == campaign.id)
            .group_by(Decision.outcome)
        ).all()
    )
    return render_template(
        "review/publish.html",
        campaign=campaign,
        form=form,
        decided=decided,
        candidate_count=len(services.candidates(campaign)),
    ), 422 if form.errors else 200


@bp.get("/recommenders")
def recommenders():
    """Which recommenders have submitted their lists, with their counts."""
    campaign = current_campaign() or abort(404)
    rows = recommender_progress(campaign)
    return render_template("review/recommenders.html", campaign=campaign, rows=rows, now=utcnow())


@bp.get("/recommenders/<int:organisation_id>")
def recommender(organisation_id: int):
    """One recommender's ranked list and submission, with the unlock form."""
    return _render_recommender(organisation_id, UnlockForm())


def _recommender_or_404(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not organisation.is_recommender:
        abort(404)
    return organisation


def _render_recommender(organisation_id: int, form: UnlockForm, status: int = 200):
    campaign = current_campaign() or abort(404)
    organisation = _recommender_or_404(organisation_id)
    recommendation = recommendation_services.find_recommendation(campaign, organisation.id)
    return render_template(
        "review/recommender.html",
        campaign=campaign,
        organisation=organisation,
        recommendation=recommendation,
        form=form,
        now=utcnow(),
        scales=list(Scale),
    ), status


@bp.post("/recommenders/<int:organisation_id>/unlock")
def unlock(organisation_id: int):
    """Reopen a submitted or late list until a given time, with a reason."""
    campaign = current_campaign() or abort(404)
    _recommender_or_404(organisation_id)
    form = UnlockForm()
    if not form.validate():
        return _render_recommender(organisation_id, form, 422)
    recommendation = recommendation_services.lock_recommendation(campaign, organisation_id)
    if apply_change(
        lambda: recommendation_services.unlock_recommendation(
            recommendation, current_user, form.reason.data, from_local(form.until.data)
        ),
        "已解锁，推荐单位可修改后重新报送。",
    ):
        return redirect(url_for("review.recommender", organisation_id=organisation_id))
    return _render_recommender(organisation_id, form, 422)


public_bp = Blueprint("public", __name__)


@public_bp.get("/units")
def published_units():
    """The published 工业计量标杆示范单位, for everyone: name, region, industry, recommender — no contacts."""
    rows = db.session.execute(
        select(Campaign.name, Application.org_name, Application.province, Application.industry, Organisation.name)
        .join(Campaign, Campaign.id == Application.campaign_id)
        .join(Organisation, Organisation.id == Application.recommender_id)
        .where(
            Campaign.published_at.is_not(None),
            Application.status == ApplicationStatus.SELECTED,
            Application.id.not_in(rereview.revoked_units()),
        )
        .order_by(Campaign.year.desc(), Campaign.id.desc(), Application.province, Application.org_name)
    ).all()
    by_campaign: dict[str, list] = {}
    for campaign_name, *unit in rows:
        by_campaign.setdefault(campaign_name, []).append(unit)
    return render_template("review/published_units.html", by_campaign=by_campaign)


@bp.route("/rereviews", methods=["GET", "POST"])
def rereview_rounds():
    """定期复核 rounds, and opening a new one for every published unit."""
    form = OpenRoundForm()
    if form.validate_on_submit():
        if apply_change(
            lambda: rereview.open_round(
                form.name.data, from_local(form.opens_at.data), from_local(form.closes_at.data), current_user
            ),
            "定期复核已开启。",
        ):
            return redirect(url_for("review.rereview_rounds"))
    rounds = db.session.scalars(select(ReReviewRound).order_by(ReReviewRound.id.desc())).all()
    return render_template(
        "review/rereview_rounds.html",
        rounds=rounds,
        form=form,
        now=utcnow(),
        unit_count=len(rereview.published_units()),
    ), 422 if form.errors else 200


@bp.get("/rereviews/<int:round_id>")
def rereview_round(round_id: int):
    review_round = db.session.get(ReReviewRound, round_id) or abort(404)
    return render_template("review/rereview_round.html", review_round=review_round, now=utcnow())


@bp.get("/rereviews/entry/<int:review_id>")
def rereview_entry(review_id: int):
    return _render_rereview(db.session.get(ReReview, review_id) or abort(404), ConcludeForm())


def _render_rereview(review: ReReview, form: ConcludeForm, status: int = 200):
    """The unit's update next to what it declared before, its history, and the conclusion form."""
    history = rereview.history_of(review.application)
    earlier = [r for r in history if r.id < review.id]
    before = earlier[-1].answers_by_code() if earlier else review.application.answers_by_code()
    return render_template(
        "review/rereview_entry.html",
        review=review,
        form=form,
        before=before,
        history=history,
        items=SELF_CHECK_ITEMS,
        now=utcnow(),
    ), status


@bp.post("/rereviews/entry/<int:review_id>/conclude")
def conclude_rereview(review_id: int):
    review = db.session.get(ReReview, review_id) or abort(404)
    form = ConcludeForm()
    if not form.validate():
        return _render_rereview(review, form, 422)
    errors: list[str] = []
    evidence = store_upload_noting_refusal(form.evidence.data, current_user, errors, review.application)
    if errors:
        form.evidence.errors = errors
        return _render_rereview(review, form, 422)
    outcome = ReReviewOutcome(form.outcome.data)
    if apply_change(
        lambda: rereview.conclude(review, outcome, form.reason.data, evidence, current_user),
        f"复核结论已记录：{outcome.label}。",
    ):
        return redirect(url_for("review.rereview_round", round_id=review.round_id))
    return _render_rereview(review, form, 422)


@bp.route("/rubric", methods=["GET", "POST"])
def rubric():
    """A campaign's scoring rubric: criteria, weights adding up to 100, score ranges.

    The current campaign's by default; ``?campaign=<id>`` for another, e.g. next year's being prepared.
    """
    chosen = request.args.get("campaign", type=int)
    campaign = (db.session.get(Campaign, chosen) if chosen else _campaign()) or abort(404)
    criteria = services.rubric(campaign)
    form = RubricForm(
        data=None
        if request.method == "POST"
        else {
            "criteria": [
                {
                    "name": c.name,
                    "description": c.description,
                    "weight": c.weight,
                    "min_score": c.min_score,
                    "max_score": c.max_score,
                }
                for c in criteria
            ]
        }
    )
    if request.method == "GET":
        form.criteria.append_entry()  # a blank line to add a criterion
    elif form.validate() and apply_change(
        lambda: services.save_rubric(campaign, form.rows(), current_user), "评分细则已保存。"
    ):
        return redirect(url_for("review.rubric", campaign=chosen))
    db.session.rollback()
    return render_template("review/rubric.html", campaign=campaign, form=form), 422 if request.method == "POST" else 200


@bp.get("/export.xlsx")
def export_national_workbook():
    """The national summary workbook: candidates, self-check matrix, statistics, scores, progress, the list."""
    campaign = _campaign()
    return send_workbook(write_national_workbook(campaign), f"全国汇总-{campaign.name}.xlsx")
