"""Finding 7: login time does not tell whether an account exists; every way to guess is throttled."""

import pytest
from sqlalchemy import select

from portal.accounts import services
from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD, make_staff, valid_uscc

LOCKED = "登录失败次数过多"


@pytest.fixture
def reviewer(app):
    with app.app_context():
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
    return "reviewer"


def test_an_unknown_user_costs_a_password_hash_too(client, monkeypatch):
    checked = []
    original = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda *args: checked.append(args) or original(*args))
    response = login(client, "no-such-user", "some password")
    assert "账号或密码不正确" in response.get_data(as_text=True)
    assert len(checked) == 1 and checked[0][0].startswith("pbkdf2:sha256:1000$")  # the configured method


@pytest.mark.parametrize("spelling", ["revıewer", "REVIEWER", " reviewer "])
def test_the_account_lock_holds_whatever_the_spelling_of_the_name(app, client, reviewer, spelling):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, "reviewer", "wrong password")
    response = login(client, spelling)  # the right password
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert LOCKED in page or "账号或密码不正确" in page


def test_a_non_ascii_login_name_designates_nobody(client, reviewer):
    assert login(client, "revıewer").status_code == 200  # ı.upper() == "I": it used to log in as reviewer
    assert login(client, "reviewer").status_code == 302


def test_staff_login_names_must_be_ascii(ctx):
    for name in ("revıewer", "adminſ", "审核员", "a b"):
        with pytest.raises(RuleViolation, match="登录名只能使用"):
            make_staff(Role.REVIEWER, username=name)


def test_the_current_password_check_is_throttled_and_audited(app, client, reviewer):
    login(client, "reviewer")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        page = client.post(
            "/account/password", data={"current": "guess", "new": "another-passw0rd", "confirm": "another-passw0rd"}
        ).get_data(as_text=True)
        assert "当前密码不正确" in page
    page = client.post(
        "/account/password", data={"current": PASSWORD, "new": "another-passw0rd", "confirm": "another-passw0rd"}
    ).get_data(as_text=True)
    assert "密码错误次数过多" in page
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert actions.count("account.password_change_failed") == app.config["LOGIN_MAX_FAILURES"]


def test_registration_is_throttled_per_address(make_app):
    app = make_app(REGISTER_MAX_PER_ADDRESS=3)
    client = app.test_client()
    for number in range(3):
        response = client.post(
            "/account/register",
            data={"uscc": valid_uscc(900 + number)},
            environ_base={"REMOTE_ADDR": "198.51.100.7"},
        )
        assert response.status_code == 422  # the form comes back with its errors: counted all the same
    refused = client.post(
        "/account/register", data={"uscc": valid_uscc(999)}, environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert refused.status_code == 429 and "注册尝试过于频繁" in refused.get_data(as_text=True)
    other = client.post(
        "/account/register", data={"uscc": valid_uscc(999)}, environ_base={"REMOTE_ADDR": "198.51.100.8"}
    )
    assert other.status_code == 422
