"""Finding 3: a reviewer adds an expert, but only the expert sets the expert's password (one-time link)."""

import re

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.audit import AuditEntry
from portal.core.extensions import db
from portal.notifications.models import OutboxMessage
from tests.conftest import login
from tests.factories import PASSWORD, make_campaign, make_staff

CHOSEN_BY_THE_REVIEWER = "reviewer-knows-this-1"


def test_the_reviewer_adds_an_expert_who_sets_the_password_from_the_emailed_link(app, client):
    with app.app_context():
        make_campaign()
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
    login(client, "reviewer")
    form = client.get("/review/experts").get_data(as_text=True)
    assert 'name="password"' not in form and 'name="email"' in form
    response = client.post(
        "/review/experts",
        data={
            "name": "李专家",
            "organisation": "中国计量科学研究院",
            "region": "广东省",
            "username": "li-expert",
            "email": "li@example.cn",
            "password": CHOSEN_BY_THE_REVIEWER,  # an old form's field: ignored
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "已添加专家：李专家" in page and "li@example.cn" in page
    assert "/account/set-password/" not in page  # the reviewer never sees the link
    client.post("/account/logout")
    refused = login(client, "li-expert", CHOSEN_BY_THE_REVIEWER)
    assert "账号或密码不正确" in refused.get_data(as_text=True)
    with app.app_context():
        expert = db.session.scalar(select(User).where(User.username == "li-expert"))
        assert expert.role == Role.EXPERT and expert.email == "li@example.cn"
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.to_address == "li@example.cn"))
        assert "仅可使用一次" in body
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == expert.id)).all()
        assert "account.invite_link" in actions
    link = re.search(r"/account/set-password/\S+", body).group(0)
    client.post(link, data={"new": PASSWORD, "confirm": PASSWORD})
    client.post("/account/logout")
    assert login(client, "li-expert").status_code == 302


def test_an_expert_needs_an_email_address(app, client):
    with app.app_context():
        make_campaign()
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
    login(client, "reviewer")
    response = client.post(
        "/review/experts",
        data={"name": "李专家", "organisation": "中国计量院", "region": "广东省", "username": "li-expert"},
    )
    assert response.status_code == 422 and "请填写专家的邮箱" in response.get_data(as_text=True)
