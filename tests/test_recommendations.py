"""A recommender's inbox, review, accept and return: services and pages."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.applications.models import Application, ApplicationStatus
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.recommendations import services
from tests.conftest import login
from tests.factories import make_campaign, make_recommender, make_staff, submitted_application


@pytest.fixture
def world(app):
    with app.app_context():
        campaign = make_campaign()
        ours, theirs = (
            make_recommender("北京市市场监督管理局"),
            make_recommender("天津市市场监督管理局", region="天津市"),
        )
        make_staff(Role.RECOMMENDER, ours, username="beijing")
        make_staff(Role.RECOMMENDER, theirs, username="tianjin")
        mine, other = submitted_application(campaign, ours), submitted_application(campaign, theirs)
        db.session.commit()
        return {"mine": mine.id, "other": other.id, "campaign": campaign.id}


def _staff(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def test_accept_and_return_record_the_step(app, world):
    with app.app_context():
        application = db.session.get(Application, world["mine"])
        services.accept_application(application, _staff("beijing"))
        assert application.status == ApplicationStatus.ACCEPTED
        services.return_application(application, _staff("beijing"), "请补充测量管理体系证书。")
        assert application.status == ApplicationStatus.RETURNED
        assert application.events[-1].reason == "请补充测量管理体系证书。"


def test_return_requires_a_reason(app, world):
    with app.app_context(), pytest.raises(RuleViolation, match="退回理由"):
        services.return_application(db.session.get(Application, world["mine"]), _staff("beijing"), "  ")


def test_a_recommender_cannot_act_on_another_organisations_application(app, world):
    with app.app_context(), pytest.raises(RuleViolation, match="未提交给本单位"):
        services.accept_application(db.session.get(Application, world["other"]), _staff("beijing"))


def test_nothing_is_accepted_after_the_recommenders_deadline(app, world):
    with app.app_context():
        application = db.session.get(Application, world["mine"])
        application.campaign.recommend_deadline = utcnow() - timedelta(minutes=1)
        application.campaign.closes_at = utcnow() - timedelta(days=1)
        with pytest.raises(RuleViolation, match="截止"):
            services.accept_application(application, _staff("beijing"))


def test_inbox_shows_only_what_was_addressed_to_the_organisation(client, world):
    login(client, "beijing")
    page = client.get("/recommender/").get_data(as_text=True)
    assert f"/recommender/applications/{world['mine']}" in page
    assert f"/recommender/applications/{world['other']}" not in page
    assert client.get(f"/recommender/applications/{world['other']}").status_code == 404
    assert client.post(f"/recommender/applications/{world['other']}/accept").status_code == 404
    with client.application.app_context():
        file_id = db.session.get(Application, world["other"]).attachments[0].file_id
    assert client.get(f"/files/{file_id}").status_code == 404


def test_return_through_the_page_then_the_enterprise_sees_the_reason_and_resubmits(client, app, world):
    login(client, "beijing")
    refused = client.post(f"/recommender/applications/{world['mine']}/return", data={"reason": ""})
    assert refused.status_code == 422 and "请填写退回理由" in refused.get_data(as_text=True)
    client.post(
        f"/recommender/applications/{world['mine']}/return", data={"reason": "营业执照扫描件不清晰，请重新上传。"}
    )
    client.post("/account/logout")
    with app.app_context():
        enterprise_login = db.session.get(Application, world["mine"]).enterprise.uscc
    login(client, enterprise_login)
    overview = client.get("/application/").get_data(as_text=True)
    assert "营业执照扫描件不清晰" in overview and "重新提交" in overview
    assert "营业执照扫描件不清晰" in client.get("/application/status").get_data(as_text=True)
    assert client.post("/application/submit").location == "/application/status"
    with app.app_context():
        assert db.session.get(Application, world["mine"]).status == ApplicationStatus.SUBMITTED


def test_inbox_flags_claims_without_a_valid_certificate(client, app, world):
    login(client, "beijing")
    # The factory answers √ everywhere and attaches only a quality-management certificate.
    page = client.get("/recommender/").get_data(as_text=True)
    assert "认证无证 2" in page and "证书失效" not in page.split("<tbody>")[1]
    with app.app_context():
        application = db.session.get(Application, world["mine"])
        application.certifications[0].expires_on = application.certifications[0].issued_on  # long expired
        db.session.commit()
    page = client.get("/recommender/").get_data(as_text=True)
    assert "认证无证 3" in page and "证书失效 1" in page


def test_inbox_queries_do_not_grow_with_the_rows(client, app, world, count_queries):
    login(client, "beijing")

    def queries_for_inbox() -> int:
        count_queries.clear()
        assert client.get("/recommender/").status_code == 200
        return len(count_queries)

    few = queries_for_inbox()
    with app.app_context():
        campaign = db.session.get(Application, world["mine"]).campaign
        for _ in range(6):
            submitted_application(campaign, db.session.get(Application, world["mine"]).recommender)
        db.session.commit()
    assert queries_for_inbox() == few
