"""Hardening: security headers on every response, cookies, uploads never rendered as HTML."""
from portal.accounts.models import Role
from portal.extensions import db
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

    for template in Path("templates").rglob("*.html"):
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
