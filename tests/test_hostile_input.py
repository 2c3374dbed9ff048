"""Input a user can send that once gave a 500: NUL bytes, line breaks in file names, Redis down at login."""

import logging
from io import BytesIO
from urllib.parse import quote

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.accounts.models import Role
from portal.accounts.throttle import LoginThrottle, RedisCounter
from portal.core.extensions import db
from portal.files import StoredFile, clean_file_name
from tests.conftest import login
from tests.factories import PDF_BYTES, make_campaign, make_enterprise_user, make_staff

NUL_MESSAGE = "不允许的控制字符"


@pytest.fixture
def enterprise(app):
    with app.app_context():
        make_campaign()
        username = make_enterprise_user("换行测试有限公司").username
        db.session.commit()
    return username


def test_a_nul_byte_in_the_login_form_is_a_clear_400(client):
    response = client.post("/account/login", data={"username": "reviewer\x00", "password": "x"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_data(as_text=True)


def test_a_nul_byte_in_a_query_argument_or_its_name_is_a_clear_400(client):
    for query in ({"q": "甲\x00"}, {"q\x00": "甲"}):
        response = client.get("/units", query_string=query)
        assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)


def test_a_nul_byte_in_any_of_several_values_is_found(client):
    response = client.post("/account/register", data=MultiDict([("name", "甲"), ("name", "乙\x00")]))
    assert response.status_code == 400


def test_a_nul_byte_in_an_uploaded_files_name_is_a_clear_400(client, enterprise):
    login(client, enterprise)
    client.post("/application/start")
    response = client.post(
        "/application/attachments",
        data={"kind": "business_licence", "file": (BytesIO(PDF_BYTES), "营业执照\x00.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)


def _post_raw_upload(client, url: str, filename_parameter: bytes, fields: dict):
    """A multipart body written by hand: ``filename*=UTF-8''...`` (RFC 5987) can carry an encoded CR/LF."""
    parts = [
        f'--XX\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        b'--XX\r\nContent-Disposition: form-data; name="file"; '
        + filename_parameter
        + b"\r\nContent-Type: application/pdf\r\n\r\n"
        + PDF_BYTES
        + b"\r\n--XX--\r\n"
    )
    return client.post(url, data=b"".join(parts), content_type="multipart/form-data; boundary=XX")


def test_a_line_break_in_an_uploaded_files_name_is_dropped_and_the_file_downloads(client, enterprise, app):
    login(client, enterprise)
    client.post("/application/start")
    name = quote("营业\r\n执照\u202e.pdf").encode()
    _post_raw_upload(client, "/application/attachments", b"filename*=UTF-8''" + name, {"kind": "business_licence"})
    with app.app_context():
        stored = db.session.scalar(select(StoredFile))
        assert stored.original_name == "营业执照.pdf"
        file_id = stored.id
    response = client.get(f"/files/{file_id}")
    assert response.status_code == 200 and response.data == PDF_BYTES


def test_a_file_stored_with_a_line_break_before_the_fix_still_downloads(client, enterprise, app):
    login(client, enterprise)
    client.post("/application/start")
    client.post(
        "/application/attachments",
        data={"kind": "business_licence", "file": (BytesIO(PDF_BYTES), "营业执照.pdf")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        stored = db.session.scalar(select(StoredFile))
        stored.original_name = "营业\r\n执照.pdf"
        db.session.commit()
        file_id = stored.id
    response = client.get(f"/files/{file_id}")
    assert response.status_code == 200 and "\n" not in response.headers["Content-Disposition"]


def test_clean_file_name():
    assert clean_file_name("a\tb\r\nc.pdf") == "abc.pdf"
    assert clean_file_name("C:\\Users\\王\\证书.pdf") == "证书.pdf"
    assert clean_file_name("\r\n") == "file"


def test_login_works_while_redis_is_down(make_app, caplog):
    """The throttle degrades: the login goes on unthrottled, a warning is logged."""
    app = make_app()
    app.extensions["login_throttle"] = LoginThrottle(RedisCounter("redis://127.0.0.1:1/0"), "test:")
    with app.app_context():
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        wrong = login(client, "reviewer", "not-the-password")
        assert wrong.status_code == 200 and "账号或密码不正确" in wrong.get_data(as_text=True)
        right = login(client, "reviewer")
    assert right.status_code == 302 and "/account/login" not in right.headers["Location"]
    assert "Redis unavailable" in caplog.text
