"""Rules that pages and services used to answer apart: each now has one home that both ask.

* After a deadline no page offers an edit or action the server would refuse.
* Who may download a file depends on what owns it: ministry-internal records stay with the ministries.
* An upload that is refused, or whose transaction rolls back, leaves no file on disk.
"""

import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Organisation, Role, User
from portal.applications.models import Application
from portal.campaigns.models import Campaign
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import local_today, utcnow
from portal.files import FileOwner, StoredFile
from portal.rereview import services as rereview
from portal.rereview.models import ReReviewOutcome
from portal.review import services as review_services
from portal.review.models import DecisionOutcome
from tests.conftest import login
from tests.factories import (
    PDF_BYTES,
    complete_application,
    make_campaign,
    make_enterprise_user,
    make_recommender,
    make_staff,
    submitted_application,
    submitted_list,
    upload,
)

ENTERPRISE_PAGES = [
    "/application/",
    "/application/section/basic",
    "/application/section/narrative",
    "/application/selfcheck",
    "/application/certifications",
    "/application/attachments",
    "/application/recommender",
]
EDIT_CONTROLS = ["保存草稿", "保存并继续", "提交申报书", "重新提交", 'type="file"', "撤回修改"]


def _close_applications(campaign: Campaign) -> None:
    """Move the application deadline into the past; recommenders keep their later deadline."""
    campaign.closes_at = utcnow() - timedelta(minutes=1)


def test_after_the_application_deadline_no_page_offers_an_edit(client, app):
    with app.app_context():
        campaign = make_campaign()
        user = make_enterprise_user("甲公司")
        complete_application(user, campaign, make_recommender())
        _close_applications(campaign)
        db.session.commit()
        username = user.username
    login(client, username)
    for url in ENTERPRISE_PAGES:
        page = client.get(url).get_data(as_text=True)
        offered = [control for control in EDIT_CONTROLS if control in page]
        assert offered == [], f"{url} offers {offered} after the deadline"
    assert "申报已于" in client.get("/application/section/basic").get_data(as_text=True)
    # …and the server refuses what the pages no longer offer.
    response = client.post("/application/section/basic", data={"city": "天津市"})
    assert response.status_code == 422 and "截止" in response.get_data(as_text=True)
    client.post("/application/submit")
    with app.app_context():
        application = db.session.scalar(select(Application))
        assert application.city != "天津市" and application.submitted_at is None


def test_before_the_deadline_the_same_pages_offer_the_edits(client, app):
    with app.app_context():
        campaign = make_campaign()
        user = make_enterprise_user("甲公司")
        complete_application(user, campaign, make_recommender())
        db.session.commit()
        username = user.username
    login(client, username)
    assert "保存草稿" in client.get("/application/section/basic").get_data(as_text=True)
    assert "提交申报书" in client.get("/application/").get_data(as_text=True)


def test_a_submitted_application_offers_withdrawal_only_inside_the_window(client, app):
    with app.app_context():
        campaign = make_campaign()
        application = submitted_application(campaign, make_recommender(), name="甲公司")
        username = db.session.scalar(select(User.username).where(User.enterprise_id == application.enterprise_id))
        db.session.commit()
    login(client, username)
    assert "撤回修改" in client.get("/application/").get_data(as_text=True)
    with app.app_context():
        _close_applications(db.session.scalar(select(Campaign)))
        db.session.commit()
    assert "撤回修改" not in client.get("/application/").get_data(as_text=True)
    client.post("/application/withdraw")
    with app.app_context():
        assert db.session.scalar(select(Application)).status.value == "submitted"


def test_after_the_recommenders_deadline_the_review_page_offers_no_action(client, app):
    with app.app_context():
        campaign = make_campaign()
        recommender = make_recommender()
        make_staff(Role.RECOMMENDER, recommender, username="tuijian")
        application = submitted_application(campaign, recommender)
        db.session.commit()
        application_id, campaign_id = application.id, campaign.id
    login(client, "tuijian")
    page = client.get(f"/recommender/applications/{application_id}").get_data(as_text=True)
    assert "受理，纳入推荐候选" in page and "退回修改</button>" in page
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        campaign.opens_at, campaign.closes_at = utcnow() - timedelta(days=3), utcnow() - timedelta(days=2)
        campaign.recommend_deadline = utcnow() - timedelta(days=1)
        db.session.commit()
    page = client.get(f"/recommender/applications/{application_id}").get_data(as_text=True)
    assert "受理，纳入推荐候选" not in page and "退回修改</button>" not in page
    assert "推荐报送已于" in page
    client.post(f"/recommender/applications/{application_id}/accept")
    with app.app_context():
        assert db.session.get(Application, application_id).status.value == "submitted"


@pytest.fixture
def ministry_files(app):
    """A published unit with a site-visit report and, at its re-review, its on-site check's report (a round of
    one unit samples it) and the reviewer's evidence."""
    with app.app_context():
        campaign = make_campaign()
        recommender = make_recommender("北京市市场监督管理局")
        (unit,) = submitted_list(campaign, recommender, 1, username="tuijian")
        reviewer = make_staff(Role.REVIEWER, username="reviewer")
        visit = review_services.record_site_visit(
            unit, local_today(), "张三、李四", "现场核查情况良好", upload(filename="核查报告.pdf"), reviewer
        )
        review_services.decide(unit, DecisionOutcome.SELECTED, "综合评审意见", reviewer)
        review_services.publish(campaign, reviewer)
        review_round = rereview.open_round(
            "定期复核", utcnow() - timedelta(days=30), utcnow() - timedelta(days=1), reviewer
        )
        (review,) = review_round.reviews
        check = rereview.record_on_site_check(
            review, local_today(), "复核检查组", "运行有效", True, upload(filename="检查报告.pdf"), reviewer
        )
        rereview.conclude(review, ReReviewOutcome.KEEP, "计量管理持续有效", upload(filename="复核依据.pdf"), reviewer)
        db.session.commit()
        enterprise = db.session.scalar(select(User.username).where(User.enterprise_id == unit.enterprise_id))
        certificate = unit.certifications[0].certificate_file_id
        return {
            "report": visit.report_file_id,
            "evidence": review.evidence_file_id,
            "check_report": check.report_file_id,
            "certificate": certificate,
            "enterprise": enterprise,
        }


def test_ministry_records_are_404_for_the_enterprise_and_its_recommender(client, app, ministry_files):
    with app.app_context():
        owners = {
            db.session.get(StoredFile, ministry_files[key]).owner for key in ("report", "evidence", "check_report")
        }
        assert owners == {FileOwner.MINISTRY}
    for username in (ministry_files["enterprise"], "tuijian"):
        login(client, username)
        assert client.get(f"/files/{ministry_files['certificate']}").status_code == 200  # its own material
        for key in ("report", "evidence", "check_report"):
            assert client.get(f"/files/{ministry_files[key]}").status_code == 404, (username, key)
        client.post("/account/logout")
    login(client, "reviewer")
    for key in ("report", "evidence", "check_report", "certificate"):
        assert client.get(f"/files/{ministry_files[key]}").status_code == 200


def _stored_files(app) -> set[str]:
    folder = app.config["UPLOAD_FOLDER"]
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def test_an_upload_refused_by_a_rule_leaves_no_file(client, app):
    with app.app_context():
        campaign = make_campaign()
        user = make_enterprise_user("甲公司")
        complete_application(user, campaign, make_recommender())
        _close_applications(campaign)
        db.session.commit()
        username = user.username
    before = _stored_files(app)
    login(client, username)
    response = client.post(
        "/application/attachments",
        data={"kind": "other", "file": (upload(PDF_BYTES, "说明.pdf").stream, "说明.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302  # refused: back to the page with the reason
    assert _stored_files(app) == before
    with app.app_context():
        assert db.session.scalar(select(db.func.count(StoredFile.id))) == len(before)


def test_a_rolled_back_transaction_removes_its_files(app):
    with app.app_context():
        campaign = make_campaign()
        user = make_enterprise_user("甲公司")
        application = complete_application(user, campaign, make_recommender())
        db.session.commit()
        committed = _stored_files(app)
        assert len(committed) == 2  # the certificate and the licence stay once committed
        from portal.applications import services

        services.add_attachment(application, user, application.attachments[0].kind, upload(), None)
        assert len(_stored_files(app)) == 3
        db.session.rollback()
        assert _stored_files(app) == committed


def test_a_refusal_in_a_service_with_a_file_keeps_nothing(app):
    """The service checks its rules before it writes the file at all."""
    with app.app_context():
        campaign = make_campaign()
        user = make_enterprise_user("甲公司")
        application = complete_application(user, campaign, make_recommender())
        db.session.commit()
        before = _stored_files(app)
        _close_applications(campaign)
        from portal.applications import services

        with pytest.raises(RuleViolation):
            services.add_attachment(application, user, application.attachments[0].kind, upload(), None)
        assert _stored_files(app) == before
        db.session.rollback()
        assert db.session.scalar(select(db.func.count(Organisation.id))) == 1
