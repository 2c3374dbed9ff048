"""The experts' pages: what was assigned to them, and the scoring form. Nothing else is visible to them."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.review import score_form_class
from portal.accounts.models import Role
from portal.campaigns import services as campaign_services
from portal.core.auth import require_role
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import local_today
from portal.core.transactions import refuse
from portal.review import services
from portal.review.models import Assignment, ExpertOpinion, ExpertProfile, scoring_progress
from portal.selfcheck import grouped_items

bp = Blueprint("experts", __name__, url_prefix="/expert")
bp.before_request(require_role(Role.EXPERT))


def _own_assignment_or_404(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.expert.user_id != current_user.id:
        abort(404)
    return assignment


@bp.get("/")
def assignments():
    """The candidates assigned to this expert, pending first, with each campaign's deadline and progress."""
    own = db.session.scalars(
        select(Assignment)
        .join(ExpertProfile)
        .where(ExpertProfile.user_id == current_user.id)
        .order_by(Assignment.submitted_at.is_not(None), Assignment.id)
    ).all()
    return render_template("review/expert_assignments.html", assignments=own, progress=scoring_progress(own))


def _score_form(assignment: Assignment, criteria, formdata=None):
    existing = assignment.scores_by_criterion()
    data = {"opinion": assignment.opinion.value if assignment.opinion else None, "comment": assignment.comment}
    for criterion in criteria:
        score = existing.get(criterion.id)
        data[f"score_{criterion.id}"] = score.value if score else None
        data[f"comment_{criterion.id}"] = score.comment if score else None
    form_class = score_form_class(criteria)
    return form_class(data=data) if formdata is None else form_class()


@bp.get("/assignments/<int:assignment_id>")
def score(assignment_id: int):
    assignment = _own_assignment_or_404(assignment_id)
    criteria = campaign_services.rubric(assignment.application.campaign)
    return _render_score(assignment, criteria, _score_form(assignment, criteria))


def _render_score(assignment, criteria, form, status: int = 200):
    application = assignment.application
    return render_template(
        "review/expert_score.html",
        assignment=assignment,
        application=application,
        criteria=criteria,
        form=form,
        groups=grouped_items(),
        answers=application.answers_by_code(),
        today=local_today(),
    ), status


@bp.post("/assignments/<int:assignment_id>")
def save_score(assignment_id: int):
    """Save the scores as a draft, or submit them (final)."""
    assignment = _own_assignment_or_404(assignment_id)
    criteria = campaign_services.rubric(assignment.application.campaign)
    form = _score_form(assignment, criteria, formdata=True)
    if not form.validate():
        return _render_score(assignment, criteria, form, 422)
    submit = "submit" in request.form
    values = {c.id: (form[f"score_{c.id}"].data, form[f"comment_{c.id}"].data) for c in criteria}
    opinion = ExpertOpinion(form.opinion.data) if form.opinion.data else None
    try:
        services.save_scores(assignment, current_user, values, opinion, form.comment.data, submit)
    except RuleViolation as error:
        refuse(error)
        return _render_score(db.session.get(Assignment, assignment_id), criteria, form, 422)
    flash("评分已提交。" if submit else "评分草稿已保存。", "success")
    return redirect(url_for("experts.assignments") if submit else url_for("experts.score", assignment_id=assignment_id))
