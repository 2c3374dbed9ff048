"""Rules that must hold when requests race: run on SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

import threading

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.applications import services
from portal.applications.models import Application, ApplicationVersion, StatusEvent
from portal.campaigns.models import Campaign
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from tests.factories import complete_application, make_campaign, make_enterprise_user, make_recommender

RACERS = 8


def _race(app, work) -> list:
    """Run ``work()`` in RACERS threads released together, each with its own session; the outcomes."""
    barrier = threading.Barrier(RACERS)
    outcomes = []

    def racer():
        with app.app_context():
            barrier.wait()
            try:
                work()
                db.session.commit()
                outcomes.append("ok")
            except RuleViolation as error:
                db.session.rollback()
                outcomes.append(str(error))

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_simultaneous_starts_leave_one_application(app):
    with app.app_context():
        campaign_id, user_id = make_campaign().id, make_enterprise_user().id
        db.session.commit()

    def start():
        services.start_application(db.session.get(User, user_id), db.session.get(Campaign, campaign_id))

    outcomes = _race(app, start)
    assert outcomes == ["ok"] * RACERS
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == 1


def test_simultaneous_submits_submit_once(app):
    with app.app_context():
        user = make_enterprise_user()
        application = complete_application(user, make_campaign(), make_recommender())
        db.session.commit()
        application_id, user_id = application.id, user.id

    def submit():
        # As the view does: the application is loaded first, then locked.
        assert db.session.get(Application, application_id) is not None
        services.submit_application(services.lock_application(application_id), db.session.get(User, user_id))

    outcomes = _race(app, submit)
    assert len(outcomes) == RACERS and outcomes.count("ok") == 1
    assert all("不能修改" in outcome for outcome in outcomes if outcome != "ok")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApplicationVersion)) == 1
        labels = db.session.scalars(select(StatusEvent.label)).all()
        assert labels.count("已提交") == 1
