"""The demo data is made through the portal's own services, so it holds every rule the portal enforces."""

from sqlalchemy import func, select

from portal.applications.models import Application, ApplicationStatus, ApplicationVersion
from portal.campaigns.models import current_campaign
from portal.core.demo import load_demo
from portal.core.extensions import db
from portal.recommendations.models import RankingEntry, Recommendation
from portal.rereview.models import ReReview
from portal.review.models import Assignment, ExpertProfile


def test_demo_covers_every_recommender_step_and_is_loaded_once(ctx):
    logins = load_demo()
    db.session.commit()
    assert {username for _, username, _ in logins} >= {"tuijian-beijing", "tuijian-jiliang", "reviewer", "admin"}
    statuses = dict(db.session.execute(select(Application.status, func.count()).group_by(Application.status)).all())
    for status in (
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.RETURNED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.UNDER_REVIEW,
        ApplicationStatus.NOT_RECOMMENDED,
    ):
        assert statuses.get(status, 0) > 0, status
    # Every candidate of a submitted list is with the experts, three each, none from its own region.
    assert statuses[ApplicationStatus.UNDER_REVIEW] == db.session.scalar(
        select(func.count())
        .select_from(RankingEntry)
        .join(Recommendation)
        .where(Recommendation.submitted_at.is_not(None), Recommendation.campaign_id == current_campaign().id)
    )
    assert (
        db.session.scalar(select(func.count()).select_from(Assignment)) == 3 * statuses[ApplicationStatus.UNDER_REVIEW]
    )
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Assignment)
            .join(Application)
            .join(ExpertProfile)
            .where(ExpertProfile.region == Application.province)
        )
        == 0
    )
    assert (
        db.session.scalar(select(func.count()).select_from(ApplicationVersion).where(ApplicationVersion.number == 2))
        == 1
    )
    # A published campaign of two years ago, its units in an open 定期复核 round.
    assert db.session.scalar(select(func.count()).select_from(ReReview)) == statuses[ApplicationStatus.SELECTED] > 0
    before = db.session.scalar(select(func.count()).select_from(Application))
    load_demo()
    assert db.session.scalar(select(func.count()).select_from(Application)) == before
