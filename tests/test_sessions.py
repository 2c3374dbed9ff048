"""Finding 8: a login lasts 12 hours at most, however active; the cookie is ``__Host-`` behind HTTPS."""

import time

from portal.accounts.models import Role
from portal.core import security
from portal.core.extensions import db
from tests.conftest import login
from tests.factories import make_staff


def test_a_session_ends_twelve_hours_after_login_even_when_active(app, client, monkeypatch):
    with app.app_context():
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
    start = time.time()
    monkeypatch.setattr(security.time, "time", lambda: start)
    login(client, "reviewer")
    # Active every hour: the 2-hour idle limit never ends it.
    for hour in range(1, 12):
        monkeypatch.setattr(security.time, "time", lambda hour=hour: start + hour * 3600)
        assert client.get("/account/password").status_code == 200
    monkeypatch.setattr(security.time, "time", lambda: start + 12 * 3600 + 60)
    response = client.get("/account/password")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_a_session_from_before_the_limit_starts_counting_at_its_next_request(app, client, monkeypatch):
    with app.app_context():
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
    login(client, "reviewer")
    with client.session_transaction() as session:
        del session[security.LOGIN_TIME_KEY]
    assert client.get("/account/password").status_code == 200
    with client.session_transaction() as session:
        assert session[security.LOGIN_TIME_KEY] > 0


def test_the_cookie_is_a_host_cookie_behind_https(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    with app.app_context():
        make_staff(Role.ADMIN, username="admin")
        db.session.commit()
    cookie = login(app.test_client(), "admin").headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


def test_the_cookie_keeps_its_plain_name_without_https(app, client):
    with app.app_context():
        make_staff(Role.ADMIN, username="admin")
        db.session.commit()
    assert login(client, "admin").headers["Set-Cookie"].startswith("session=")


def test_the_draft_copy_is_not_kept_in_local_storage():
    from pathlib import Path

    script = (Path(__file__).parent.parent / "static" / "js" / "application.js").read_text()
    assert "localStorage" not in script and "sessionStorage" in script
