"""Recommenders' progress: who has submitted, each list, reopening a list."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from forms.filters import RecommenderProgressFilterForm
from forms.recommendations import UnlockForm
from portal.accounts.models import Organisation
from portal.campaigns.models import Scale, current_campaign
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import from_local, utcnow
from portal.core.transactions import refuse
from portal.recommendations import services as recommendation_services
from portal.review.progress import recommender_progress
from portal.review.views import bp


@bp.get("/recommenders")
def recommenders():
    """Which recommenders have submitted their lists, with their counts."""
    campaign = current_campaign() or abort(404)
    filter_form = RecommenderProgressFilterForm()
    filters = filter_form.filters()
    rows = recommender_progress(campaign, filters, utcnow())
    return render_template(
        "review/recommenders.html",
        campaign=campaign,
        rows=rows,
        filter_form=filter_form,
        filtered=any(filters.values()),
    )


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
    try:
        recommendation_services.unlock_recommendation(
            recommendation, current_user, form.reason.data, from_local(form.until.data)
        )
    except RuleViolation as error:
        refuse(error)
        return _render_recommender(organisation_id, form, 422)
    flash("已解锁，推荐单位可修改后重新报送。", "success")
    return redirect(url_for("review.recommender", organisation_id=organisation_id))
