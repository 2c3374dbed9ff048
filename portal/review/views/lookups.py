"""What the reviewers' pages look up the same way: the campaign, a candidate, the experts."""

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.applications.models import Application
from portal.campaigns.models import current_campaign
from portal.core.extensions import db
from portal.review import services
from portal.review.models import ExpertProfile


def campaign_or_404():
    return current_campaign() or abort(404)


def candidate_or_404(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or application.status not in services.CANDIDATE_STATUSES:
        abort(404)
    return application


def experts_of(campaign) -> list[ExpertProfile]:
    return list(
        db.session.scalars(
            select(ExpertProfile)
            .where(ExpertProfile.campaign_id == campaign.id)
            .options(selectinload(ExpertProfile.user))  # their names: not one query per expert
            .order_by(ExpertProfile.id)
        )
    )
