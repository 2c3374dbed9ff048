"""Administration: campaigns, organisations, staff invitations and resets, the audit log and the outbox."""

import re
from datetime import timedelta
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from portal.accounts.models import PasswordToken, Role, User
from portal.accounts.tokens import issue_password_link, set_password_with_token
from portal.admin import services
from portal.campaigns import services as campaign_services
from portal.campaigns.models import Campaign
from portal.campaigns.services import rubric
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.notifications.models import OutboxMessage
from tests.conftest import login
from tests.factories import make_campaign, make_recommender, make_staff


@pytest.fixture
def admin(app):
    with app.app_context():
        make_staff(Role.ADMIN, username="admin")
        db.session.commit()
    return "admin"


def _admin() -> User:
    return db.session.scalar(select(User).where(User.username == "admin"))


def test_copy_last_years_campaign_with_its_rubric(app, admin):
    with app.app_context():
        source = make_campaign(name="2026年度工业计量标杆示范单位申报", year=2026, quota_large=4)
        db.session.flush()
        rubric(source)[0].weight, rubric(source)[1].weight = 30, 15
        copy = campaign_services.copy_campaign(source, _admin())
        assert copy.name == "2027年度工业计量标杆示范单位申报" and copy.year == 2027 and copy.quota_large == 4
        assert copy.opens_at == source.opens_at.replace(year=source.opens_at.year + 1)
        assert [(c.name, c.weight) for c in rubric(copy)] == [(c.name, c.weight) for c in rubric(source)]
        with pytest.raises(RuleViolation, match="已有名为"):
            campaign_services.copy_campaign(source, _admin())


def test_campaign_form_checks_the_order_of_dates(client, app, admin):
    login(client, admin)
    data = {
        "name": "2028年度批次",
        "year": "2028",
        "opens_at": "2028-03-01T09:00",
        "closes_at": "2028-02-01T17:00",
        "recommend_deadline": "2028-06-30T17:00",
        "quota_large": "5",
        "quota_sme": "5",
        "large_min_employees": "1000",
        "large_min_revenue": "40000",
    }
    response = client.post("/admin/campaigns", data=data)
    assert response.status_code == 422 and "时间顺序应为" in response.get_data(as_text=True)
    assert 'value="2028年度批次"' in response.get_data(as_text=True)
    assert client.post("/admin/campaigns", data=data | {"closes_at": "2028-05-31T17:00"}).status_code == 302
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.name == "2028年度批次"))
        assert campaign.opens_at.hour == 1  # 09:00 in Beijing is 01:00 UTC
        assert len(rubric(campaign)) == 5  # created with the default rubric
    page = client.get(f"/admin/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'value="2028-03-01T09:00"' in page  # shown again in Beijing time


def test_invitation_link_sets_the_password_once(client, app, admin):
    with app.app_context():
        organisation_id = make_recommender("河北省市场监督管理局", region="河北省").id
        db.session.commit()
    login(client, admin)
    response = client.post(
        "/admin/users",
        data={
            "username": "tuijian-hebei",
            "display_name": "河北省局计量处",
            "email": "hebei@example.gov.cn",
            "role": "recommender",
            "organisation_id": str(organisation_id),
        },
    )
    page = response.get_data(as_text=True)
    link = re.search(r"http://[\w.:]+/account/set-password/[\w-]+", page).group(0)
    assert response.status_code == 200
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "hebei@example.gov.cn"))
        assert link in message.body
    client.post("/account/logout")
    path = "/account/set-password/" + link.rsplit("/", 1)[1]
    response = client.post(path, data={"new": "weak", "confirm": "weak"})
    assert "密码至少 12 位" in response.get_data(as_text=True)
    response = client.post(path, data={"new": "hebei-jiliang-2027", "confirm": "hebei-jiliang-2027"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/recommender/")
    client.post("/account/logout")
    assert client.get(path).status_code == 404  # used once
    assert login(client, "tuijian-hebei", "hebei-jiliang-2027").status_code == 302


def test_reset_links_expire_and_replace_earlier_ones(app, admin):
    with app.app_context():
        user = make_staff(Role.REVIEWER, username="reviewer")
        first = issue_password_link(user, "reset", _admin()).rsplit("/", 1)[1]
        second = issue_password_link(user, "reset", _admin()).rsplit("/", 1)[1]
        with pytest.raises(RuleViolation, match="无效、已使用或已过期"):
            set_password_with_token(first, "newpass123")
        db.session.scalar(select(PasswordToken).where(PasswordToken.used_at.is_(None))).expires_at = (
            utcnow() - timedelta(seconds=1)
        )
        with pytest.raises(RuleViolation, match="过期"):
            set_password_with_token(second, "newpass123")


def test_deactivation_logs_the_user_out_and_blocks_login(client, app, admin):
    with app.app_context():
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
        reviewer_id = db.session.scalar(select(User.id).where(User.username == "reviewer"))
    other = app.test_client()
    login(other, "reviewer")
    assert other.get("/review/recommenders").status_code in (200, 404)
    login(client, admin)
    client.post(f"/admin/users/{reviewer_id}/deactivate")
    assert other.get("/review/recommenders").status_code == 302  # the session is gone
    refused = login(other, "reviewer")
    assert refused.status_code == 200 and "账号或密码不正确" in refused.get_data(as_text=True)
    with app.app_context():
        with pytest.raises(RuleViolation, match="不能修改自己"):
            services.set_active(_admin(), False, _admin())


def test_role_change_rules(app, admin):
    with app.app_context():
        user = make_staff(Role.REVIEWER, username="reviewer")
        with pytest.raises(RuleViolation, match="须属于一个推荐单位"):
            services.change_role(user, Role.RECOMMENDER, None, _admin())
        services.change_role(user, Role.EXPERT, None, _admin())
        assert user.role == Role.EXPERT


def test_audit_log_filters_and_export(client, app, admin):
    login(client, admin)
    client.post(
        "/admin/organisations", data={"name": '=HYPERLINK("http://x","y")协会', "kind": "association", "region": "全国"}
    )
    page = client.get("/admin/audit?action=organisation.").get_data(as_text=True)
    assert "organisation.create" in page and "account.login" not in page
    response = client.get("/admin/audit.xlsx?action=organisation.")
    sheet = openpyxl.load_workbook(BytesIO(response.data))["操作日志"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][2] == "添加单位" and rows[0][3] == "organisation.create" and rows[0][1] == "admin"
    assert "HYPERLINK" in rows[0][6] and sheet.cell(2, 7).data_type == "s"


def test_outbox_page_lists_waiting_mail(client, app, admin):
    with app.app_context():
        db.session.add(OutboxMessage(to_address="a@example.cn", subject="测试主题", body="正文"))
        db.session.commit()
    login(client, admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "测试主题" in page and "待发送 1 封" in page


def test_preparing_next_years_campaign_keeps_the_portal_on_this_one(app, admin):
    from portal.campaigns.models import current_campaign

    with app.app_context():
        this_year = make_campaign(name="2026年度批次", year=2026)
        assert current_campaign() == this_year
        next_year = campaign_services.copy_campaign(this_year, _admin())
        assert current_campaign() == this_year
        campaign_services.archive_campaign(this_year, _admin())
        assert current_campaign() == next_year  # nothing open: the next one to open


def test_admin_sets_the_rubric_of_next_years_campaign(client, app, admin):
    with app.app_context():
        this_year = make_campaign(name="2026年度批次", year=2026)
        this_year_id, next_year_id = this_year.id, campaign_services.copy_campaign(this_year, _admin()).id
        db.session.commit()
    login(client, admin)
    assert "评分细则" in client.get(f"/admin/campaigns/{next_year_id}").get_data(as_text=True)
    rows = {
        "criteria-0-name": "计量保障",
        "criteria-0-weight": "100",
        "criteria-0-min_score": "0",
        "criteria-0-max_score": "10",
    }
    response = client.post(f"/review/rubric?campaign={next_year_id}", data=rows)
    assert response.status_code == 302 and f"campaign={next_year_id}" in response.headers["Location"]
    with app.app_context():
        assert [c.name for c in rubric(db.session.get(Campaign, next_year_id))] == ["计量保障"]
        assert len(rubric(db.session.get(Campaign, this_year_id))) == 5  # this year's untouched
    assert client.get("/review/rubric?campaign=999999").status_code == 404
