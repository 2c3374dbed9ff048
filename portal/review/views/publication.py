"""Publishing the list of 工业计量标杆示范单位, and the public page of published units."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.review import (
    PublishForm,
)
from portal.accounts.models import Organisation
from portal.applications.models import Application, ApplicationStatus
from portal.campaigns.models import Campaign
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.transactions import refuse
from portal.exports.national_workbook import PUBLISHED_LIST_TITLE, published_order
from portal.rereview import services as rereview
from portal.review import services
from portal.review.models import Decision
from portal.review.views import bp
from portal.review.views.lookups import campaign_or_404

public_bp = Blueprint("public", __name__)


@bp.route("/publish", methods=["GET", "POST"])
def publish():
    """Check the decisions and publish the list of 工业计量标杆示范单位."""
    campaign = campaign_or_404()
    form = PublishForm()
    if form.validate_on_submit():
        try:
            services.publish(campaign, current_user)
        except RuleViolation as error:
            refuse(error)
        else:
            flash("名单已公布，企业可在申报进度中查看结果。", "success")
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


@public_bp.get("/units")
def published_units():
    """The published 工业计量标杆示范单位, for everyone: name, region, industry, recommender — no contacts."""
    rows = db.session.execute(
        select(Campaign.year, Application.org_name, Application.province, Application.industry, Organisation.name)
        .join(Campaign, Campaign.id == Application.campaign_id)
        .join(Organisation, Organisation.id == Application.recommender_id)
        .where(
            Campaign.published_at.is_not(None),
            Application.status == ApplicationStatus.SELECTED,
            Application.id.not_in(rereview.revoked_units()),
        )
        .order_by(Campaign.year.desc(), Campaign.id.desc(), *published_order())
    ).all()
    by_campaign: dict[str, list] = {}
    for year, *unit in rows:  # titled and ordered as the announcement (the national workbook's 公布名单)
        by_campaign.setdefault(f"{year}年度{PUBLISHED_LIST_TITLE}", []).append(unit)
    return render_template("review/published_units.html", by_campaign=by_campaign)
