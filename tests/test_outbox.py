"""The outbox against a real (local) SMTP server: one bad message never stops the others."""

import socket
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.core.extensions import db
from portal.notifications import services
from portal.notifications.models import OutboxMessage
from tests.factories import make_enterprise_user, make_staff

REFUSED = "refused@example.cn"


class Mailbox:
    """An aiosmtpd handler: keeps what it receives, refuses one recipient."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        return [str(make_header(decode_header(message["Subject"]))) for message in self.messages]


@pytest.fixture
def smtp_server():
    controller_module = pytest.importorskip("aiosmtpd.controller")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mailbox = Mailbox()
    controller = controller_module.Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mail_app(make_app, smtp_server):
    _, port = smtp_server
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_MAX_ATTEMPTS=3)


def _queue(to_address: str, subject: str) -> int:
    message = OutboxMessage(to_address=to_address, subject=subject, body="正文")
    db.session.add(message)
    db.session.flush()
    return message.id


def test_a_line_break_in_user_text_makes_no_multi_line_subject(mail_app, smtp_server):
    mailbox, _ = smtp_server
    with mail_app.app_context():
        user = make_enterprise_user("换行\r\n企业有限公司")
        services.notify([user], "申报书已退回：\r\nBcc: everyone@example.cn\n请补充")
        db.session.commit()
        subject = db.session.scalar(select(OutboxMessage.subject))
        assert "\r" not in subject and "\n" not in subject
        assert services.send_outbox() == (1, 0)
    assert mailbox.subjects() == ["【工业计量标杆示范申报平台】申报书已退回： Bcc: everyone@example.cn 请补充"]
    assert "Bcc" not in mailbox.messages[0]  # no header was injected


def test_each_message_is_sent_on_its_own_and_a_failure_is_retried_up_to_the_limit(mail_app, smtp_server):
    mailbox, _ = smtp_server
    with mail_app.app_context():
        first = _queue("a@example.cn", "第一封")
        stored_before_the_fix = _queue("b@example.cn", "第二封\r\n旧数据")
        refused = _queue(REFUSED, "第三封")
        last = _queue("c@example.cn", "第四封")
        db.session.commit()
        assert services.send_outbox() == (3, 1)
        assert mailbox.subjects() == ["第一封", "第二封 旧数据", "第四封"]
        db.session.expire_all()
        for message_id in (first, stored_before_the_fix, last):
            assert db.session.get(OutboxMessage, message_id).sent_at is not None
        failed = db.session.get(OutboxMessage, refused)
        assert failed.sent_at is None and failed.attempts == 1 and "550" in failed.error
        # Later runs try the failed one again, never the sent ones, and stop at MAIL_MAX_ATTEMPTS (3).
        assert services.send_outbox() == (0, 1)
        assert services.send_outbox() == (0, 1)
        assert services.send_outbox() == (0, 0)
        db.session.expire_all()
        assert db.session.get(OutboxMessage, refused).attempts == 3
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_id == refused)) == "outbox.gave_up"
    assert len(mailbox.messages) == 3


def test_a_crash_midway_keeps_what_was_sent_marked_as_sent(mail_app, smtp_server, monkeypatch):
    mailbox, _ = smtp_server
    with mail_app.app_context():
        first, second = _queue("a@example.cn", "第一封"), _queue("b@example.cn", "第二封")
        db.session.commit()
        build = services._email

        def crash_on_the_second(message):
            if message.id == second:
                raise RuntimeError("worker killed")
            return build(message)

        monkeypatch.setattr(services, "_email", crash_on_the_second)
        with pytest.raises(RuntimeError):
            services.send_outbox()
        db.session.rollback()
        monkeypatch.setattr(services, "_email", build)
        assert services.send_outbox() == (1, 0)  # only the second: the first was committed as sent
        assert db.session.get(OutboxMessage, first).sent_at is not None
    assert mailbox.subjects() == ["第一封", "第二封"]


def test_an_unreachable_server_stops_the_run_and_counts_against_no_message(make_app):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with app.app_context():
        first, second = _queue("a@example.cn", "第一封"), _queue("b@example.cn", "第二封")
        db.session.commit()
        assert services.send_outbox() == (0, 1)  # the run stops at the first: no point trying the rest
        message = db.session.get(OutboxMessage, first)
        assert "ConnectionRefused" in message.error and message.attempts == 0  # not the message's fault
        assert db.session.get(OutboxMessage, second).error is None


def test_single_line_fields_refuse_control_characters(client):
    page = client.post(
        "/account/register", data={"name": "甲公司\r\nBcc: x@example.cn", "contact_name": "王工\t"}
    ).get_data(as_text=True)
    assert page.count("请填写一行文字，不能包含换行符或控制字符。") == 2


def test_multi_line_fields_keep_line_breaks_but_refuse_other_control_characters(app):
    from forms.review import ConflictForm

    with app.test_request_context(method="POST", data={"expert_id": "1", "reason": "第一行\r\n第二行，理由充分。"}):
        form = ConflictForm()
        form.expert_id.choices = [(1, "专家")]
        assert form.validate(), form.errors
    with app.test_request_context(
        method="POST", data={"expert_id": "1", "reason": "第一行\x1b[31m 第二行，理由充分。"}
    ):
        form = ConflictForm()
        form.expert_id.choices = [(1, "专家")]
        assert not form.validate() and "控制字符" in form.reason.errors[-1]


def test_staff_names_become_one_line_subjects_too(mail_app, smtp_server):
    mailbox, _ = smtp_server
    with mail_app.app_context():
        admin = make_staff(Role.ADMIN, username="admin")
        staff = make_staff(Role.REVIEWER, username="reviewer")
        staff.email = "reviewer@example.gov.cn"
        services.notify_by_email(staff, "账号开通：\n请设置登录密码", "链接")
        db.session.commit()
        assert admin is not None and services.send_outbox() == (1, 0)
    assert mailbox.subjects() == ["【工业计量标杆示范申报平台】账号开通： 请设置登录密码"]


def test_the_outbox_page_shows_the_attempts(mail_app):
    from tests.conftest import login

    with mail_app.app_context():
        make_staff(Role.ADMIN, username="admin")
        _queue(REFUSED, "第三封")
        db.session.commit()
        services.send_outbox()
    client = mail_app.test_client()
    login(client, "admin")
    assert "发送失败（已试 1 次）" in client.get("/admin/outbox").get_data(as_text=True)
