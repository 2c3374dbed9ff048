"""Registration, login, throttling, logout and passwords through the test client."""

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.audit import AuditEntry
from portal.core.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD, make_enterprise_user, make_recommender, make_staff, valid_uscc

REGISTRATION = {
    "name": "测试仪表有限公司",
    "contact_name": "王工",
    "mobile": "13800138000",
    "email": "a@example.cn",
    "password": "ceshi-yibiao-mima-2027",
    "confirm": "ceshi-yibiao-mima-2027",
}


def test_registration_creates_the_enterprise_and_logs_in(client, app):
    response = client.post("/account/register", data=REGISTRATION | {"uscc": valid_uscc(1).lower()})
    assert response.status_code == 302 and response.location == "/application/"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == valid_uscc(1)))
        assert user.role == Role.ENTERPRISE and user.enterprise.name == "测试仪表有限公司"
        assert user.password_hash != "ceshi-yibiao-mima-2027"


def test_registration_errors_are_shown_next_to_fields_and_input_is_kept(client):
    response = client.post(
        "/account/register",
        data=REGISTRATION | {"uscc": "91110108MA0000001X", "mobile": "12345", "password": "short", "confirm": "other"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "校验位不正确" in page
    assert "请输入 11 位中国大陆手机号码" in page
    assert "密码至少 12 位" in page
    assert "两次输入的密码不一致" in page
    assert 'value="测试仪表有限公司"' in page and 'value="91110108MA0000001X"' in page


def test_a_registered_code_cannot_register_twice(client, app):
    with app.app_context():
        existing = make_enterprise_user()
        db.session.commit()
        code = existing.username
    response = client.post("/account/register", data=REGISTRATION | {"uscc": code})
    assert "该统一社会信用代码已注册" in response.get_data(as_text=True)


def test_login_and_logout_revokes_the_old_cookie(client, app):
    with app.app_context():
        user = make_enterprise_user()
        db.session.commit()
        username = user.username
    assert login(client, username).status_code == 302
    copied_cookie = client.get_cookie("session").value
    assert client.get("/application/").status_code == 200
    client.post("/account/logout")
    client.set_cookie("session", copied_cookie)
    response = client.get("/application/")
    assert response.status_code == 302 and "/account/login" in response.location


def test_login_failures_are_throttled_per_account(make_app):
    app = make_app(LOGIN_MAX_FAILURES=3)
    client = app.test_client()
    with app.app_context():
        username = make_enterprise_user().username
        db.session.commit()
    for _ in range(3):
        assert "账号或密码不正确" in login(client, username, "wrong-password").get_data(as_text=True)
    response = login(client, username)  # even the right password waits now
    assert "登录失败次数过多" in response.get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert actions.count("account.login_failed") == 3 and "account.login_throttled" in actions


def test_login_ignores_an_off_site_next(client, app):
    with app.app_context():
        username = make_enterprise_user().username
        db.session.commit()
    response = client.post(
        "/account/login?next=https://evil.example/x", data={"username": username, "password": PASSWORD}
    )
    assert response.location == "/application/"


def test_change_password(client, app):
    with app.app_context():
        username = make_enterprise_user().username
        db.session.commit()
    login(client, username)
    new = "xin-mima-jiliang-2028"
    wrong = client.post("/account/password", data={"current": "nope", "new": new, "confirm": new})
    assert "当前密码不正确" in wrong.get_data(as_text=True)
    client.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new})
    client.post("/account/logout")
    assert login(client, username, new).status_code == 302


def test_staff_cannot_open_enterprise_pages(client, app):
    with app.app_context():
        make_staff(Role.RECOMMENDER, make_recommender(), username="rec")
        db.session.commit()
    login(client, "rec")
    assert client.get("/application/").status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/application/section/basic")
    assert response.status_code == 302 and "/account/login" in response.location


def test_csrf_is_enforced_on_forms(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post(
        "/account/login", data={"username": "x", "password": "y"}, headers={"Referer": "http://localhost/application/"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "页面已过期" in page
    # An expired session's form offers to log in again (and come back), never to re-post by refreshing.
    assert 'href="/account/login?next=/application/"' in page and "重新登录" in page and "刷新" not in page
