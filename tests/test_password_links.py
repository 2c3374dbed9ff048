"""Finding 4: password-link tokens are not kept in the outbox once sent, nor in URLs after the first, nor in logs."""

import re
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from portal.accounts.models import PasswordToken, Role
from portal.accounts.tokens import issue_password_link
from portal.core.extensions import db
from portal.core.redaction import RedactingGunicornLogger, redact_tokens
from portal.notifications import services
from portal.notifications.models import OutboxMessage
from tests.conftest import login
from tests.factories import PASSWORD, make_staff


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message.get_content())

    def quit(self):
        pass


def _invite(app) -> str:
    with app.app_context():
        admin = make_staff(Role.ADMIN, username="admin")
        staff = make_staff(Role.REVIEWER, username="reviewer")
        staff.email = "reviewer@example.gov.cn"
        link = issue_password_link(staff, "invite", admin)
        db.session.commit()
    return link


def test_invitation_links_last_72_hours(app):
    _invite(app)
    with app.app_context():
        token = db.session.scalar(select(PasswordToken))
        assert token.expires_at - token.created_at <= timedelta(hours=72, seconds=1)
        assert token.expires_at - token.created_at >= timedelta(hours=71, minutes=59)
        assert "72 小时内" in db.session.scalar(select(OutboxMessage.body))


def test_the_outbox_shows_the_link_while_waiting_and_blanks_it_once_sent(app, monkeypatch):
    link = _invite(app)
    token = link.rsplit("/", 1)[1]
    client = app.test_client()
    login(client, "admin")
    assert token in client.get("/admin/outbox").get_data(as_text=True)
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    app.config["MAIL_SERVER"] = "smtp.example.gov.cn"
    with app.app_context():
        assert services.send_outbox() == (1, 0)
        body = db.session.scalar(select(OutboxMessage.body))
    assert token in FakeSMTP.sent[0]  # the recipient gets it
    assert token not in body and "/account/set-password/（链接已发送" in body
    assert token not in client.get("/admin/outbox").get_data(as_text=True)


def test_opening_the_link_moves_the_token_out_of_the_address(app):
    link = _invite(app)
    client = app.test_client()
    response = client.get(link.replace("http://127.0.0.1:5000", ""))
    assert response.status_code == 302 and response.headers["Location"] == "/account/set-password"
    page = client.get("/account/set-password").get_data(as_text=True)
    assert "新密码" in page and link.rsplit("/", 1)[1] not in page
    response = client.post("/account/set-password", data={"new": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    client.post("/account/logout")
    assert client.get("/account/set-password").status_code == 404  # the token left with the session
    assert client.get(link.replace("http://127.0.0.1:5000", "")).status_code == 404  # used once


def test_the_set_password_page_without_a_token_is_not_found(client):
    assert client.get("/account/set-password").status_code == 404
    assert client.get("/account/set-password/not-a-token").status_code == 404


def test_access_logs_do_not_keep_the_token():
    from gunicorn.config import Config

    logger = RedactingGunicornLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/account/set-password/SeCrEt-token_1",
        "PATH_INFO": "/account/set-password/SeCrEt-token_1",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "http://127.0.0.1:5000/account/set-password/SeCrEt-token_1",
    }
    response = SimpleNamespace(status="302 FOUND", sent=0, headers=[])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(seconds=0))
    assert "SeCrEt" not in repr(atoms)
    assert atoms["r"] == "GET /account/set-password/[redacted] HTTP/1.1"


def test_redaction_leaves_other_text_alone():
    text = "请打开以下链接：\nhttps://x.gov.cn/account/set-password/abc_DEF-123\n谢谢"
    assert redact_tokens(text, "*") == "请打开以下链接：\nhttps://x.gov.cn/account/set-password/*\n谢谢"
    assert re.sub("x", "x", redact_tokens("没有链接")) == "没有链接"
