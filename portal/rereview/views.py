"""The reviewers' pages of 定期复核: rounds, each unit's update, the conclusion."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.review import (
    ConcludeForm,
    OpenRoundForm,
)
from portal.accounts.models import Role
from portal.core.auth import require_role
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import from_local, utcnow
from portal.core.transactions import refuse
from portal.rereview import services
from portal.rereview.models import ReReview, ReReviewOutcome, ReReviewRound
from portal.selfcheck import SELF_CHECK_ITEMS

bp = Blueprint("rereview", __name__, url_prefix="/review/rereviews")
bp.before_request(require_role(Role.REVIEWER, Role.ADMIN))


@bp.route("/", methods=["GET", "POST"])
def rounds():
    """定期复核 rounds, and opening a new one for every published unit."""
    form = OpenRoundForm()
    if form.validate_on_submit():
        try:
            services.open_round(
                form.name.data, from_local(form.opens_at.data), from_local(form.closes_at.data), current_user
            )
        except RuleViolation as error:
            refuse(error)
        else:
            flash("定期复核已开启。", "success")
            return redirect(url_for("rereview.rounds"))
    rounds = db.session.scalars(select(ReReviewRound).order_by(ReReviewRound.id.desc())).all()
    return render_template(
        "rereview/rounds.html",
        rounds=rounds,
        form=form,
        now=utcnow(),
        unit_count=len(services.published_units()),
    ), 422 if form.errors else 200


@bp.get("/<int:round_id>")
def round_page(round_id: int):
    review_round = db.session.get(ReReviewRound, round_id) or abort(404)
    return render_template("rereview/round.html", review_round=review_round)


@bp.get("/entry/<int:review_id>")
def entry(review_id: int):
    return _render_entry(db.session.get(ReReview, review_id) or abort(404), ConcludeForm())


def _render_entry(review: ReReview, form: ConcludeForm, status: int = 200):
    """The unit's update next to what it declared before, its history, and the conclusion form."""
    history = services.history_of(review.application)
    earlier = [r for r in history if r.id < review.id]
    before = earlier[-1].answers_by_code() if earlier else review.application.answers_by_code()
    return render_template(
        "rereview/entry.html",
        review=review,
        form=form,
        before=before,
        history=history,
        items=SELF_CHECK_ITEMS,
        now=utcnow(),
    ), status


@bp.post("/entry/<int:review_id>/conclude")
def conclude(review_id: int):
    review = db.session.get(ReReview, review_id) or abort(404)
    form = ConcludeForm()
    if not form.validate():
        return _render_entry(review, form, 422)
    outcome = ReReviewOutcome(form.outcome.data)
    try:
        services.conclude(review, outcome, form.reason.data, form.evidence.data, current_user)
    except RuleViolation as error:
        refuse(error)
        return _render_entry(review, form, 422)
    flash(f"复核结论已记录：{outcome.label}。", "success")
    return redirect(url_for("rereview.round_page", round_id=review.round_id))
