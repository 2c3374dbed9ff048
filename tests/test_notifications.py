"""Notifications: who is told what, the outbox, SMTP delivery, deadline reminders, the page."""

from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.notifications import services
from portal.notifications.models import Notification, OutboxMessage
from portal.recommendations.services import return_application
from tests.conftest import login
from tests.factories import complete_application, make_campaign, make_enterprise_user, make_recommender, make_staff


def _messages(user: User) -> list[str]:
    return db.session.scalars(
        select(Notification.message).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def _world():
    campaign = make_campaign()
    recommender = make_recommender("北京市市场监督管理局")
    staff = make_staff(Role.RECOMMENDER, recommender, username="beijing")
    staff.email = "jiliang@example.gov.cn"
    enterprise = make_enterprise_user("北京精测仪器有限公司")
    application = complete_application(enterprise, campaign, recommender)
    return campaign, staff, enterprise, application


def test_submission_and_return_notify_the_one_who_must_act(ctx):
    from portal.applications.services import submit_application

    _, staff, enterprise, application = _world()
    submit_application(application, enterprise)
    assert _messages(staff) == ["收到新的申报书：北京精测仪器有限公司"]
    return_application(application, staff, "请补充计量人员情况。")
    assert _messages(enterprise) == ["申报书被退回修改：请补充计量人员情况。"]
    outbox = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [message.to_address for message in outbox] == ["jiliang@example.gov.cn", enterprise.email]
    assert "请补充计量人员情况。" in outbox[1].body and f"/recommender/applications/{application.id}" in outbox[0].body
    assert all(message.sent_at is None for message in outbox)  # no SMTP configured: they wait in the outbox


def test_deactivated_users_are_not_notified(ctx):
    from portal.applications.services import submit_application

    _, staff, enterprise, application = _world()
    staff.active = False
    submit_application(application, enterprise)
    assert _messages(staff) == []


def test_outbox_is_sent_through_smtp_when_configured(app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            assert (host, port) == ("smtp.example.gov.cn", 25)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            sent.append((message["To"], message["Subject"]))

        def quit(self):
            pass

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    app.config["MAIL_SERVER"] = "smtp.example.gov.cn"
    with app.app_context():
        _, staff, enterprise, application = _world()
        services.notify([enterprise], "测试通知")
        assert services.send_outbox() == (1, 0)
        assert sent == [(enterprise.email, "【工业计量标杆示范申报平台】测试通知")]
        assert db.session.scalar(select(OutboxMessage.sent_at)) is not None
        assert services.send_outbox() == (0, 0)  # nothing sent twice


def test_deadline_reminders_once_a_day(ctx):
    campaign, staff, enterprise, application = _world()
    campaign.closes_at = utcnow() + timedelta(days=2)
    assert services.remind_deadlines(campaign, days=3) == 1
    assert services.remind_deadlines(campaign, days=3) == 0  # already reminded today
    assert "尚未提交" in _messages(enterprise)[0]
    assert services.remind_deadlines(campaign, days=1) == 0  # not within one day


def test_notifications_page_marks_read_and_follows_the_link(client, app):
    with app.app_context():
        _, staff, enterprise, application = _world()
        services.notify([enterprise], "请查看评审结果", "applications.status")
        services.notify([staff], "别人的通知")
        db.session.commit()
        mine = db.session.scalar(select(Notification.id).where(Notification.user_id == enterprise.id))
        theirs = db.session.scalar(select(Notification.id).where(Notification.user_id == staff.id))
        username = enterprise.username
    login(client, username)
    page = client.get("/application/").get_data(as_text=True)
    assert "1 条未读" in page
    assert "请查看评审结果" in client.get("/notifications/").get_data(as_text=True)
    response = client.post("/notifications/read", data={"id": mine})
    assert response.status_code == 302 and response.headers["Location"].endswith("/application/status")
    client.post("/notifications/read", data={"id": theirs})
    with app.app_context():
        assert db.session.get(Notification, mine).read_at is not None
        assert db.session.get(Notification, theirs).read_at is None  # another user's stays untouched
