"""Finding 10 (hand-over): an enterprise proves a squatted 统一社会信用代码 is its own and gets it back."""

import re
from io import BytesIO

from sqlalchemy import select

from portal.accounts.claims import CodeClaim
from portal.accounts.models import Role, User
from portal.audit import AuditEntry
from portal.core.extensions import db
from portal.notifications.models import OutboxMessage
from tests.conftest import login
from tests.factories import PASSWORD, PDF_BYTES, make_enterprise_user, make_staff, valid_uscc


def _claim(client, code: str, address: str = "198.51.100.20"):
    return client.post(
        "/account/claim",
        data={
            "uscc": code,
            "enterprise_name": "真正的精测仪器有限公司",
            "contact_name": "李敏",
            "mobile": "13900139000",
            "email": "real@example.cn",
            "statement": "本单位从未在平台注册，代码已被他人注册。",
            "licence": (BytesIO(PDF_BYTES), "营业执照.pdf"),
        },
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": address},
    )


def _world(app) -> str:
    with app.app_context():
        squatter = make_enterprise_user("抢注公司")
        make_staff(Role.ADMIN, username="admin")
        db.session.commit()
        return squatter.username


def test_the_registration_page_points_to_the_claim(client):
    page = client.get("/account/register").get_data(as_text=True)
    assert 'href="/account/claim"' in page


def test_a_claim_is_decided_by_an_admin_and_the_code_changes_hands(app, client):
    code = _world(app)
    squatter = app.test_client()
    login(squatter, code)
    response = _claim(client, code)
    assert response.status_code == 302
    with app.app_context():
        claim = db.session.scalar(select(CodeClaim))
        assert claim.status == "pending" and claim.uscc == code and claim.ip_address == "198.51.100.20"
        claim_id = claim.id
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/claims").get_data(as_text=True)
    assert "真正的精测仪器有限公司" in page and "抢注公司" in page
    licence = admin.get(f"/admin/claims/{claim_id}/licence")
    assert licence.data == PDF_BYTES and licence.headers["Cache-Control"] == "private, no-store"
    admin.post(f"/admin/claims/{claim_id}", data={"decision": "approve", "reason": "营业执照与代码一致，已电话核实。"})
    with app.app_context():
        holder = db.session.scalar(select(User).where(User.username == code))
        assert holder.display_name == "真正的精测仪器有限公司" and holder.enterprise.email == "real@example.cn"
        old = db.session.scalar(select(User).where(User.display_name == "抢注公司"))
        assert not old.active and old.username != code and old.enterprise.uscc.startswith("#")
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert {"account.code_claim", "account.code_released", "account.code_claim_approved"} <= set(actions)
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.to_address == "real@example.cn"))
    assert squatter.get("/application/").status_code == 302  # the squatter is logged out
    link = re.search(r"/account/set-password/\S+", body).group(0)
    claimant = app.test_client()
    claimant.get(link)
    claimant.post("/account/set-password", data={"new": PASSWORD, "confirm": PASSWORD})
    claimant.post("/account/logout")
    assert login(claimant, code).status_code == 302
    # Decided once.
    admin.post(f"/admin/claims/{claim_id}", data={"decision": "reject", "reason": "重复处理测试。"})
    with app.app_context():
        assert db.session.get(CodeClaim, claim_id).status == "approved"


def test_a_rejected_claim_is_told_by_email(app, client):
    code = _world(app)
    _claim(client, code)
    admin = app.test_client()
    login(admin, "admin")
    with app.app_context():
        claim_id = db.session.scalar(select(CodeClaim.id))
    admin.post(f"/admin/claims/{claim_id}", data={"decision": "reject", "reason": "营业执照上的代码与申请不符。"})
    with app.app_context():
        assert db.session.get(CodeClaim, claim_id).status == "rejected"
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.to_address == "real@example.cn"))
        assert "营业执照上的代码与申请不符" in body
        assert db.session.scalar(select(User).where(User.username == code)).display_name == "抢注公司"


def test_claims_need_a_registered_code_and_a_licence_and_are_throttled(app, client):
    code = _world(app)
    page = _claim(client, valid_uscc(9191)).get_data(as_text=True)
    assert "尚未注册" in page
    no_licence = client.post("/account/claim", data={"uscc": code}, environ_base={"REMOTE_ADDR": "198.51.100.21"})
    assert no_licence.status_code == 422
    for _ in range(2):
        _claim(client, code)
    assert "提交的申请过多" in _claim(client, code).get_data(as_text=True)
    assert _claim(client, code, address="198.51.100.22").status_code == 302


def test_only_admins_see_claims(app, client):
    code = _world(app)
    login(client, code)
    assert client.get("/admin/claims").status_code == 403
