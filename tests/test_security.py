"""Hardening: security headers on every response, cookies, uploads never rendered as HTML."""

from portal.accounts.models import Role
from portal.core.extensions import db
from tests.conftest import login
from tests.factories import make_staff


def test_pages_carry_the_security_headers(client):
    response = client.get("/account/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # only behind HTTPS


def test_error_pages_carry_them_too_and_reveal_nothing(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "Content-Security-Policy" in response.headers
    text = response.get_data(as_text=True)
    assert "页面不存在" in text
    assert "Traceback" not in text and "werkzeug" not in text.lower()


def test_no_template_has_inline_script():
    import re
    from pathlib import Path

    for template in (Path(__file__).parent.parent / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template  # no onclick= and the like


def test_secure_cookies_behind_https(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    with app.app_context():
        make_staff(Role.ADMIN, username="admin")
        db.session.commit()
    client = app.test_client()
    response = login(client, "admin")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" in client.get("/").headers


def test_login_throttling_is_shared_through_redis(make_app, redis_url):
    """Two app instances (two workers) with one Redis: failures on one lock the account on the other."""
    import uuid

    username = f"throttle-{uuid.uuid4().hex[:8]}"
    shared = {"REDIS_URL": redis_url, "REDIS_KEY_PREFIX": f"test:{uuid.uuid4().hex}:"}
    first, second = make_app(**shared), make_app(**shared)
    with first.app_context():
        make_staff(Role.REVIEWER, username=username)
        db.session.commit()
    worker_one = first.test_client()
    for _ in range(first.config["LOGIN_MAX_FAILURES"]):
        login(worker_one, username, "wrong-password1")
    refused = login(second.test_client(), username)  # right password, other worker
    assert "登录失败次数过多" in refused.get_data(as_text=True)


def test_sessions_expire_after_inactivity(app, client, monkeypatch):
    import itsdangerous.timed

    with app.app_context():
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
    login(client, "reviewer")
    assert client.get("/review/recommenders").status_code in (200, 404)
    later = itsdangerous.timed.time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    response = client.get("/review/recommenders")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
