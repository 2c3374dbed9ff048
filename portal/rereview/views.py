"""The reviewers' pages of 定期复核: rounds and their on-site sample, each unit's update, on-site checks,
限期整改 and the conclusion, and a unit's history across rounds."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forms.review import ConcludeForm, OnSiteCheckForm, OpenRoundForm
from portal.accounts.models import Role
from portal.applications.models import Application
from portal.core.auth import require_role
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import from_local, utcnow
from portal.core.transactions import refuse, refuse_in
from portal.rereview import services
from portal.rereview.history import answer_comparison, answers_before, history_of, unit_history
from portal.rereview.models import ReReview, ReReviewConclusion, ReReviewOutcome, ReReviewRound
from portal.rereview.statistics import round_figures

bp = Blueprint("rereview", __name__, url_prefix="/review/rereviews")
bp.before_request(require_role(Role.REVIEWER, Role.ADMIN))


@bp.route("/", methods=["GET", "POST"])
def rounds():
    """定期复核 rounds, and opening a new one for every published unit with its on-site sample."""
    form = OpenRoundForm()
    default = services.sample_default()
    if request.method == "GET":
        form.sample_rate.data = default.rate
    if form.validate_on_submit():
        moments = from_local(form.opens_at.data), from_local(form.closes_at.data)
        try:
            services.open_round(form.name.data, *moments, current_user, form.sample_rate.data)
        except RuleViolation as error:
            refuse_in(form, error)
        else:
            flash("定期复核已开启，现场检查样本已抽取。", "success")
            return redirect(url_for("rereview.rounds"))
    now = utcnow()
    previous = services.latest_round()
    return render_template(
        "rereview/rounds.html",
        figures=round_figures(now),
        blocked=previous.why_not_follow(now) if previous else None,
        form=form,
        sample_default=default,
        now=now,
        unit_count=services.published_unit_count(),
    ), 422 if form.errors else 200


@bp.get("/<int:round_id>")
def round_page(round_id: int):
    """A round's units with their states, the overdue ones first in view, and how its sample was drawn."""
    review_round = db.session.get(ReReviewRound, round_id) or abort(404)
    reviews = db.session.scalars(
        select(ReReview)
        .where(ReReview.round_id == review_round.id)
        .options(selectinload(ReReview.application).joinedload(Application.campaign), selectinload(ReReview.checks))
        .order_by(ReReview.id)
    ).all()
    now = utcnow()
    return render_template(
        "rereview/round.html",
        review_round=review_round,
        reviews=reviews,
        figures=round_figures(now, [review_round])[0],
        overdue=[review for review in reviews if review.is_overdue(now)],
        now=now,
    )


@bp.get("/entry/<int:review_id>")
def entry(review_id: int):
    return _render_entry(db.session.get(ReReview, review_id) or abort(404))


def _render_entry(review: ReReview, status: int = 200, **forms):
    """The unit's update next to what it declared before, on-site checks, rectification and the conclusion."""
    history = history_of(review.application)
    now = utcnow()
    return render_template(
        "rereview/entry.html",
        review=review,
        form=forms.get("form") or ConcludeForm(),
        check_form=forms.get("check_form") or OnSiteCheckForm(),
        comparison=answer_comparison(answers_before(review, history), review.answers_by_code()),
        history=history,
        refused={conclusion.value: review.why_not_conclude(conclusion, now) for conclusion in ReReviewConclusion},
        now=now,
    ), status


@bp.post("/entry/<int:review_id>/conclude")
def conclude(review_id: int):
    """保持 or 撤销, or first 限期整改 with what to rectify and by when."""
    review = db.session.get(ReReview, review_id) or abort(404)
    form = ConcludeForm()
    if not form.validate():
        return _render_entry(review, 422, form=form)
    conclusion = ReReviewConclusion(form.outcome.data)
    try:
        if conclusion == ReReviewConclusion.RECTIFY:
            deadline = from_local(form.deadline.data)
            services.order_rectification(review, form.reason.data, deadline, current_user, form.evidence.data)
        else:
            outcome = ReReviewOutcome(conclusion.value)
            services.conclude(review, outcome, form.reason.data, form.evidence.data, current_user)
    except RuleViolation as error:
        refuse_in(form, error)
        return _render_entry(review, 422, form=form)
    flash(f"复核结论已记录：{conclusion.label}。", "success")
    return redirect(url_for("rereview.round_page", round_id=review.round_id))


@bp.post("/entry/<int:review_id>/on-site-check")
def on_site_check(review_id: int):
    """现场检查: date, team, findings, result and report."""
    review = db.session.get(ReReview, review_id) or abort(404)
    form = OnSiteCheckForm()
    if not form.validate():
        return _render_entry(review, 422, check_form=form)
    check = (form.visited_on.data, form.team.data, form.findings.data, form.passed.data == "yes", form.report.data)
    try:
        services.record_on_site_check(review, *check, current_user)
    except RuleViolation as error:
        refuse(error)
        return _render_entry(review, 422, check_form=form)
    flash("现场检查已记录。", "success")
    return redirect(url_for("rereview.entry", review_id=review.id) + "#on-site-checks")


@bp.get("/units/<int:application_id>")
def unit(application_id: int):
    """A unit's history across rounds."""
    application = db.session.get(Application, application_id) or abort(404)
    records = unit_history(application) or abort(404)
    return render_template("rereview/history.html", units=[(application, records)], now=utcnow(), reviewer=True)
