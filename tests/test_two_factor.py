"""Finding 6: two factors for staff (TOTP and recovery codes); required for reviewers and admins."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from portal.accounts.models import RecoveryCode, Role, User
from portal.audit import AuditEntry
from portal.core.extensions import db
from tests.conftest import login
from tests.factories import make_enterprise_user, make_staff


@pytest.fixture
def app(make_app):
    app = make_app(TOTP_REQUIRED_ROLES=("reviewer", "admin"))
    with app.app_context():
        make_staff(Role.REVIEWER, username="reviewer")
        make_staff(Role.ADMIN, username="admin")
        make_staff(Role.EXPERT, username="expert")
        make_enterprise_user("两步验证测试有限公司")
        db.session.commit()
    return app


def _enrol(client) -> tuple[str, list[str]]:
    """Scan the QR code (read the secret) and confirm with a code; returns the secret and the recovery codes."""
    page = client.get("/account/2fa/").get_data(as_text=True)
    assert "<svg" in page and "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    )
    with client.session_transaction() as session:
        secret = session["2fa_secret"]
    assert secret in page  # for entry by hand
    page = client.post("/account/2fa/", data={"code": pyotp.TOTP(secret).now()}).get_data(as_text=True)
    codes = re.findall(r"[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}", page)
    assert "两步验证已开启" in page and len(codes) == 10
    return secret, codes


def _next_code(secret: str) -> str:
    """The code of the next time step: the one just used for enrolment cannot be used again."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def _actions(app, username: str) -> list[str]:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == username))
        return db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == user_id).order_by(AuditEntry.id)
        ).all()


def test_reviewers_must_enrol_before_anything_else(app, client):
    login(client, "reviewer")
    response = client.get("/review/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/2fa/"
    _enrol(client)
    assert client.get("/review/recommenders").status_code in (200, 404)
    assert "account.2fa_enrol" in _actions(app, "reviewer")
    with app.app_context():
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and all(len(h) == 64 for h in stored)  # hashes, not the codes


def test_login_asks_for_the_code_after_the_password(app, client):
    login(client, "reviewer")
    secret, _ = _enrol(client)
    client.post("/account/logout")
    response = login(client, "reviewer")
    assert response.status_code == 302 and response.headers["Location"] == "/account/2fa/verify"
    assert client.get("/review/").headers["Location"].startswith("/account/login")  # not logged in yet
    wrong = client.post("/account/2fa/verify", data={"code": "000000"})
    assert "验证码不正确" in wrong.get_data(as_text=True)
    code = _next_code(secret)
    assert client.post("/account/2fa/verify", data={"code": code}).status_code == 302
    assert client.get("/review/recommenders").status_code in (200, 404)
    client.post("/account/logout")
    login(client, "reviewer")
    replay = client.post("/account/2fa/verify", data={"code": code})  # the same code again
    assert "验证码不正确" in replay.get_data(as_text=True)
    actions = _actions(app, "reviewer")
    assert "account.login_password_ok" in actions and "account.2fa_failed" in actions
    with app.app_context():
        detail = db.session.scalar(
            select(AuditEntry.detail).where(AuditEntry.action == "account.login").order_by(AuditEntry.id.desc())
        )
        assert detail == {"second_factor": "totp"}


def test_a_recovery_code_works_once(client):
    login(client, "reviewer")
    _, codes = _enrol(client)
    client.post("/account/logout")
    login(client, "reviewer")
    response = client.post("/account/2fa/verify", data={"code": codes[3].upper()}, follow_redirects=True)
    assert "还剩 9 个" in response.get_data(as_text=True)
    client.post("/account/logout")
    login(client, "reviewer")
    assert "验证码不正确" in client.post("/account/2fa/verify", data={"code": codes[3]}).get_data(as_text=True)


def test_wrong_codes_are_throttled_like_passwords(app, client):
    login(client, "reviewer")
    secret, _ = _enrol(client)
    client.post("/account/logout")
    login(client, "reviewer")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/account/2fa/verify", data={"code": "123456"})
    refused = client.post("/account/2fa/verify", data={"code": _next_code(secret)})
    assert "验证失败次数过多" in refused.get_data(as_text=True)
    # Giving the right password again does not clear the count.
    assert "登录失败次数过多" in login(client, "reviewer").get_data(as_text=True)


def test_an_admin_resets_a_lost_authenticator_and_it_is_audited(app):
    reviewer, admin = app.test_client(), app.test_client()
    login(reviewer, "reviewer")
    _enrol(reviewer)
    login(admin, "admin")
    _enrol(admin)
    with app.app_context():
        reviewer_id = db.session.scalar(select(User.id).where(User.username == "reviewer"))
    assert "重置两步验证" in admin.get("/admin/users").get_data(as_text=True)
    admin.post(f"/admin/users/{reviewer_id}/reset-2fa")
    with app.app_context():
        user = db.session.get(User, reviewer_id)
        assert not user.two_factor_enabled
        assert db.session.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == reviewer_id)) is None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.2fa_reset"))
        assert entry.object_id == reviewer_id and entry.user_id != reviewer_id
    assert reviewer.get("/review/").headers["Location"].startswith("/account/login")  # logged out everywhere
    login(reviewer, "reviewer")
    assert reviewer.get("/review/").headers["Location"] == "/account/2fa/"  # enrols again


def test_experts_may_enrol_and_enterprises_do_not(app, client):
    login(client, "expert")
    assert client.get("/expert/").status_code == 200  # not forced
    _enrol(client)
    client.post("/account/logout")
    assert login(client, "expert").headers["Location"] == "/account/2fa/verify"
    enterprise = app.test_client()
    with app.app_context():
        username = db.session.scalar(select(User.username).where(User.role == Role.ENTERPRISE))
    login(enterprise, username)
    assert enterprise.get("/account/2fa/").status_code == 403


def test_the_code_page_without_a_password_first_goes_to_login(client):
    response = client.get("/account/2fa/verify")
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
