"""Finding 5: passwords of at least 12 characters, no composition rule, nothing common or guessable (zxcvbn)."""

import pytest

from portal.accounts.models import Role
from portal.accounts.services import password_problem
from portal.core.errors import RuleViolation
from tests.factories import make_staff, valid_uscc


@pytest.mark.parametrize("weak", ["password1", "qwerty123", "abc12345", "secret123", "demo2026"])
def test_short_passwords_are_refused(weak):
    assert "至少 12 位" in password_problem(weak)


@pytest.mark.parametrize("guessable", ["password1234", "qwertyuiop12", "aaaaaaaaaaaa", "123456789012", "abcdefghijkl"])
def test_long_but_guessable_passwords_are_refused(guessable):
    assert "太容易被猜到" in password_problem(guessable)


@pytest.mark.parametrize(
    "strong",
    ["correct horse battery staple", "我家门前有两棵树一棵是枣树", "Jiliang-Biaogan-2027", "measure-twice-cut-once"],
)
def test_passphrases_pass_without_any_composition_rule(strong):
    assert password_problem(strong) is None


def test_the_users_own_name_organisation_and_code_count_as_guessable():
    code = valid_uscc(777)
    assert password_problem(code) is None  # random-looking to a stranger
    assert "太容易被猜到" in password_problem(code, [code])
    assert "太容易被猜到" in password_problem("hebeijiliang2027", ["hebeijiliang", "河北省市场监督管理局"])


def test_registration_refuses_the_code_as_password(client):
    code = valid_uscc(778)
    page = client.post(
        "/account/register",
        data={
            "name": "弱密码测试有限公司",
            "uscc": code,
            "contact_name": "王工",
            "mobile": "13800138000",
            "email": "weak@example.cn",
            "password": code,
            "confirm": code,
        },
    ).get_data(as_text=True)
    assert "太容易被猜到" in page


def test_the_form_says_what_is_asked(client):
    assert "至少 12 位，不要求字母、数字组合" in client.get("/account/register").get_data(as_text=True)


def test_services_refuse_weak_passwords_too(ctx):
    with pytest.raises(RuleViolation, match="太容易被猜到"):
        from portal.accounts.services import create_staff_user

        create_staff_user("hebei-jiliang", "hebei-jiliang1", Role.REVIEWER, "河北")
    assert make_staff(Role.REVIEWER).username


def test_the_strength_meter_asks_the_server_with_the_same_rules(client):
    weak = client.post("/account/password-strength", data={"password": "password1234"}).get_json()
    assert weak["score"] <= 1 and not weak["ok"] and "太容易被猜到" in weak["message"]
    short = client.post("/account/password-strength", data={"password": "Zq9!"}).get_json()
    assert short["score"] <= 1 and "至少 12 位" in short["message"]
    strong = client.post("/account/password-strength", data={"password": "measure-twice-cut-once"}).get_json()
    assert strong["ok"] and strong["score"] >= 3
    code = valid_uscc(779)
    own = client.post("/account/password-strength", data={"password": code, "uscc": code}).get_json()
    assert not own["ok"]
