"""Finding 10: the 统一社会信用代码's region code, and codes as people paste them."""

import pytest
from sqlalchemy import select

from portal.accounts.models import Enterprise
from portal.accounts.uscc import normalise_login, normalise_uscc, uscc_check_character, uscc_error
from portal.core.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD, valid_uscc


def _with_check(first17: str) -> str:
    return first17 + uscc_check_character(first17)


@pytest.mark.parametrize("first17", ["91AB0108MA0000001", "9111010AMA0000001", "91X10108MA0000001"])
def test_the_region_code_must_be_digits(first17):
    code = _with_check(first17)  # the check character is right
    assert "第 3–8 位" in uscc_error(code)


def test_full_width_digits_spaces_and_hyphens_are_normalised():
    code = valid_uscc(4242)
    pasted = "".join(chr(ord(c) + 0xFEE0) for c in code[:6]) + " " + code[6:10] + "-" + code[10:14] + "－" + code[14:]
    assert normalise_uscc(pasted) == code
    assert uscc_error(pasted) is None
    assert normalise_login(f"  {pasted.lower()} ") == code


def test_other_login_names_keep_their_hyphens():
    assert normalise_login(" tuijian-beijing ") == "tuijian-beijing"


def test_registration_and_login_with_a_pasted_code(app, client):
    code = valid_uscc(4343)
    pasted = "".join(chr(ord(c) + 0xFEE0) for c in code[:8]) + " " + code[8:12] + "-" + code[12:]
    response = client.post(
        "/account/register",
        data={
            "name": "粘贴代码有限公司",
            "uscc": pasted,
            "contact_name": "王工",
            "mobile": "13800138000",
            "email": "paste@example.cn",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Enterprise.uscc)) == code
    client.post("/account/logout")
    assert login(client, pasted).status_code == 302
    client.post("/account/logout")
    assert login(client, code.lower()).status_code == 302
