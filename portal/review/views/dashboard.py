"""The reviewers' dashboard and the national workbook."""

from flask import render_template
from sqlalchemy import select

from portal.applications.models import Application
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.exports.national_workbook import write_national_workbook
from portal.exports.spreadsheets import send_workbook
from portal.rereview.statistics import round_figures
from portal.review import services, statistics
from portal.review.models import Assignment, Decision
from portal.review.progress import recommender_progress
from portal.review.views import bp
from portal.review.views.lookups import campaign_or_404


@bp.get("/")
def dashboard():
    """The campaign on one screen: recommenders' progress, candidates by category, self-check compliance;
    and 定期复核 per round (kept, ordered to rectify, revoked, on-site coverage)."""
    campaign = campaign_or_404()
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
        rereview_figures=round_figures(now),
    )


@bp.get("/export.xlsx")
def export_national_workbook():
    """The national summary workbook: candidates, self-check matrix, statistics, scores, progress, the list."""
    campaign = campaign_or_404()
    return send_workbook(
        write_national_workbook(campaign), f"全国汇总-{campaign.name}.xlsx", f"national-summary-{campaign.year}.xlsx"
    )
