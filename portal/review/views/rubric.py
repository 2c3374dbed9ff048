"""A campaign's scoring rubric."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.review import (
    RubricForm,
)
from portal.campaigns import services as campaign_services
from portal.campaigns.models import Campaign
from portal.core.arguments import bounded_int
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.transactions import refuse
from portal.review.views import bp
from portal.review.views.lookups import campaign_or_404


@bp.route("/rubric", methods=["GET", "POST"])
def rubric():
    """A campaign's scoring rubric: criteria, weights adding up to 100, score ranges.

    The current campaign's by default; ``?campaign=<id>`` for another, e.g. next year's being prepared.
    """
    chosen = request.args.get("campaign", type=bounded_int)
    campaign = (db.session.get(Campaign, chosen) if chosen else campaign_or_404()) or abort(404)
    criteria = campaign_services.rubric(campaign)
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
    elif form.validate():
        try:
            campaign_services.save_rubric(campaign, form.rows(), current_user)
        except RuleViolation as error:
            refuse(error)
        else:
            flash("评分细则已保存。", "success")
            return redirect(url_for("review.rubric", campaign=chosen))
    return render_template("review/rubric.html", campaign=campaign, form=form), 422 if request.method == "POST" else 200
