"""Warnings where decisions are made (issue 13): certificate claims on the read-only pages, deadlines,
the ranking pool, the recommender picker, the experts' home, 推荐进度 filters, completeness, the audit log."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Organisation, OrganisationKind, Role, User
from portal.applications.completeness import section_states
from portal.applications.indicators import unbacked_claims
from portal.applications.models import Application, Certification, CertificationStatus
from portal.campaigns.models import Campaign
from portal.core.extensions import db
from portal.core.timeutil import format_local, local_today, utcnow
from portal.review import services as review_services
from portal.review.models import Assignment, ExpertProfile
from tests.conftest import login
from tests.factories import (
    accepted_application,
    complete_application,
    make_campaign,
    make_enterprise_user,
    make_expert,
    make_recommender,
    make_staff,
    submitted_list,
)


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def candidate_world(app):
    """One submitted list of two candidates (北京), a reviewer and an expert from elsewhere, assigned.

    Each candidate answered √ on 3.2.1–3.2.3 and has one 质量管理体系 certificate, declared 有效 but
    expired yesterday: all three claims are unbacked.
    """
    with app.app_context():
        campaign = make_campaign()
        recommender = make_recommender("北京市市场监督管理局", region="北京市")
        applications = submitted_list(campaign, recommender, 2, username="beijing")
        for application in applications:
            application.certifications[0].expires_on = local_today() - timedelta(days=1)
        reviewer = make_staff(Role.REVIEWER, username="reviewer")
        expert = make_expert(campaign, "expert", "专家甲", "上海计量院", "上海市", "仪器仪表", reviewer)
        assignment = review_services.assign(applications[0], expert, reviewer)
        db.session.commit()
        return {"application": applications[0].id, "assignment": assignment.id, "campaign": campaign.id}


def test_the_row_flags_and_the_list_counts_follow_one_rule(app, candidate_world):
    with app.app_context():
        application = db.session.get(Application, candidate_world["application"])
        today = local_today()
        flags = application.unbacked_claims(today)
        assert set(flags) == {"3.2.1", "3.2.2", "3.2.3"}
        assert set(flags.values()) == {"自称通过，无有效证书"}
        counted = db.session.scalar(select(unbacked_claims(today)).where(Application.id == application.id))
        assert counted == len(flags) == 3

        certificate = application.certifications[0]
        assert certificate.status_on(today) == "已过期"
        certificate.expires_on = today + timedelta(days=30)
        db.session.flush()
        assert certificate.status_on(today) == "有效"
        assert set(application.unbacked_claims(today)) == {"3.2.2", "3.2.3"}
        assert db.session.scalar(select(unbacked_claims(today)).where(Application.id == application.id)) == 2

        certificate.status = CertificationStatus.SUSPENDED
        db.session.flush()
        assert certificate.status_on(today) == "暂停"
        assert set(application.unbacked_claims(today)) == {"3.2.1", "3.2.2", "3.2.3"}


def _flagged_rows(html: str) -> list[str]:
    import re

    return re.findall(r'<tr id="item-([\d.]+)" class="[^"]*claim-flagged', html)


@pytest.mark.parametrize(
    "username, url",
    [
        ("beijing", "/recommender/applications/{application}"),
        ("reviewer", "/review/candidates/{application}"),
        ("expert", "/expert/assignments/{assignment}"),
    ],
)
def test_review_candidate_and_expert_pages_flag_the_row_and_show_the_computed_status(
    app, client, candidate_world, username, url
):
    login(client, username)
    html = client.get(url.format(**candidate_world)).get_data(as_text=True)
    assert _flagged_rows(html) == ["3.2.1", "3.2.2", "3.2.3"]
    assert html.count("自称通过，无有效证书") >= 3
    # Declared 有效, computed 已过期: both shown, in their own columns.
    assert '<th class="text-nowrap">填报状态</th><th class="text-nowrap">截至今日</th>' in html
    assert '<td class="cert-status-now"><span class="badge text-bg-warning">已过期</span></td>' in html


def test_a_certificate_in_force_backs_its_claim_on_the_page(app, client, candidate_world):
    with app.app_context():
        certificate = db.session.scalar(
            select(Certification).where(Certification.application_id == candidate_world["application"])
        )
        certificate.expires_on = local_today() + timedelta(days=100)
        db.session.commit()
    login(client, "reviewer")
    html = client.get(f"/review/candidates/{candidate_world['application']}").get_data(as_text=True)
    assert _flagged_rows(html) == ["3.2.2", "3.2.3"]
    assert '<span class="badge text-bg-success">有效</span>' in html


# --- the enterprise's pages ---------------------------------------------------------------------


@pytest.fixture
def enterprise(app, client):
    with app.app_context():
        campaign = make_campaign()
        make_recommender("北京市市场监督管理局")
        user = make_enterprise_user("甲公司")
        db.session.commit()
        ids = {"campaign": campaign.id, "username": user.username}
    login(client, ids["username"])
    client.post("/application/start")
    return ids


def test_the_status_page_shows_the_application_deadline_before_the_recommenders(app, client, enterprise):
    with app.app_context():
        campaign = db.session.get(Campaign, enterprise["campaign"])
        closes, recommend = format_local(campaign.closes_at), format_local(campaign.recommend_deadline)
    html = client.get("/application/status").get_data(as_text=True)
    assert f'<dt>申报截止</dt><dd class="application-deadline">{closes}</dd>' in html
    assert html.index("<dt>申报截止</dt>") < html.index("<dt>推荐单位报送截止</dt>")
    assert recommend in html


def test_an_empty_certifications_section_is_optional_not_complete(app, client, enterprise):
    with app.app_context():
        application = db.session.scalar(select(Application))
        assert section_states(application)["certifications"] == "optional"
        assert section_states(application)["basic"] == "incomplete"
    for url in ("/application/", "/application/certifications"):
        html = client.get(url).get_data(as_text=True)
        assert "无（可选）" in html
        assert "✓ 完成" not in html


def test_certifications_added_make_the_section_complete(app, ctx):
    campaign = make_campaign()
    application = complete_application(make_enterprise_user(), campaign, make_recommender())
    assert section_states(application)["certifications"] == "complete"


# --- the ranking page ---------------------------------------------------------------------------


@pytest.fixture
def ranking_world(app):
    """Six accepted large candidates of 北京's market regulator; the recommender logged in as beijing."""
    with app.app_context():
        campaign = make_campaign()
        recommender = make_recommender("北京市市场监督管理局")
        staff = make_staff(Role.RECOMMENDER, recommender, username="beijing")
        large = [accepted_application(campaign, recommender, staff).id for _ in range(6)]
        db.session.commit()
        return {"large": large}


def _button(html: str, action: str, application_id: int) -> str:
    """The opening tag of one row's button."""
    marker = f"/recommender/ranking/{application_id}/{action}"
    form = html[html.index(marker) :]
    return form[form.index("<button") : form.index(">", form.index("<button")) + 1]


def test_after_a_move_the_moved_rows_button_has_the_focus(client, ranking_world):
    login(client, "beijing")
    first, second, third = ranking_world["large"][:3]
    for application_id in (first, second, third):
        client.post(f"/recommender/ranking/{application_id}/add")
    response = client.post(f"/recommender/ranking/{second}/down")
    assert response.location.endswith(f"/recommender/ranking?focus=down-{second}#moved")
    html = client.get(response.location).get_data(as_text=True)
    # Now last: no 下移 any more, so its 上移 takes the focus; nothing else is autofocused.
    assert "autofocus" in _button(html, "up", second)
    assert html.count(" autofocus data-autofocus") == 1
    response = client.post(f"/recommender/ranking/{third}/up")
    html = client.get(response.location).get_data(as_text=True)
    assert 'id="entry-' + str(third) + '"' in html
    assert f"/recommender/ranking/{third}/up" not in html  # now first: 上移 is gone
    assert "autofocus" in _button(html, "down", third)
    response = client.post(f"/recommender/ranking/{first}/remove")
    assert response.location.endswith("focus=list-large#list-large")
    # After a drag and drop the list's heading has the focus.
    response = client.post("/recommender/ranking/order", data={"scale": "large", "order": f"{third},{second}"})
    assert response.location.endswith("focus=list-large#list-large")
    html = client.get(response.location).get_data(as_text=True)
    assert 'id="list-large" tabindex="-1" autofocus data-autofocus' in html


def test_the_pool_shows_counts_and_flags_and_a_full_list_refuses_more(client, ranking_world):
    login(client, "beijing")
    html = client.get("/recommender/ranking").get_data(as_text=True)
    pool = html[html.index('id="pool"') :]
    # complete_application answers √ on all 33 items and holds a 质量管理体系 certificate only.
    assert "33 / 0 / 0" in pool
    assert "认证无证 2" in pool
    for application_id in ranking_world["large"][:5]:
        client.post(f"/recommender/ranking/{application_id}/add")
    html = client.get("/recommender/ranking").get_data(as_text=True)
    assert '<span class="badge text-bg-success quota-count">5 / 5 已满</span>' in html
    assert "text-bg-danger quota-count" not in html
    pool = html[html.index('id="pool"') :]
    assert f"/recommender/ranking/{ranking_world['large'][5]}/add" not in pool
    assert 'disabled aria-describedby="full-large"' in pool
    assert "大型企业最多推荐 5 家，名单已满。" in pool


# --- the recommender picker ---------------------------------------------------------------------


@pytest.fixture
def picker(app, client):
    """Recommenders in 浙江 (the province's, 宁波's) and elsewhere; an enterprise of 宁波 logged in."""
    with app.app_context():
        make_campaign()
        make_recommender("浙江省市场监督管理局", region="浙江省")
        make_recommender("宁波市市场监督管理局", kind=OrganisationKind.CITY_AUTHORITY, region="浙江省")
        make_recommender("北京市市场监督管理局", region="北京市")
        make_recommender("中国计量协会", kind=OrganisationKind.ASSOCIATION, region="全国")
        user = make_enterprise_user("宁波甲公司")
        db.session.commit()
        username = user.username
    login(client, username)
    client.post("/application/start")
    with app.app_context():
        application = db.session.scalar(select(Application))
        application.province, application.city = "浙江省", "宁波市"
        db.session.commit()
    return client


def _listed(html: str) -> list[str]:
    import re

    return re.findall(r"<span>([^<]+)</span>\s*(?:<span class=\"badge[^<]*</span>\s*)?<span class=\"ms-auto", html)


def test_the_picker_starts_with_the_enterprises_province_and_shows_all_on_request(picker):
    html = picker.get("/application/recommender").get_data(as_text=True)
    assert _listed(html) == ["浙江省市场监督管理局", "宁波市市场监督管理局"]
    assert "当前显示<strong>浙江省</strong>的推荐单位（本企业所在地区）" in html
    assert 'href="/application/recommender?region="' in html  # 查看全部推荐单位
    # Filters carry visible labels.
    for field_id, label in (("filter-q", "名称或地区"), ("filter-kind", "类型"), ("filter-region", "地区")):
        assert f'<label class="form-label mb-1" for="{field_id}">{label}</label>' in html
    everything = picker.get("/application/recommender?region=").get_data(as_text=True)
    assert set(_listed(everything)) == {
        "浙江省市场监督管理局",
        "宁波市市场监督管理局",
        "北京市市场监督管理局",
        "中国计量协会",
    }
    assert "只看浙江省" in everything


def test_separately_planned_cities_are_their_own_kind(picker):
    html = picker.get("/application/recommender?region=&kind=city_authority").get_data(as_text=True)
    assert _listed(html) == ["宁波市市场监督管理局"]
    assert "计划单列市主管部门 · 浙江省" in html
    assert '<option value="city_authority" selected>计划单列市主管部门</option>' in html


def test_choosing_from_the_default_list_saves(app, picker):
    with app.app_context():
        ningbo = db.session.scalar(select(Organisation).where(Organisation.name == "宁波市市场监督管理局"))
        ningbo_id = ningbo.id
    response = picker.post("/application/recommender", data={"recommender_id": ningbo_id, "save": ""})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Application)).recommender_id == ningbo_id


def test_demo_data_types_the_separately_planned_cities(app):
    from portal.core.demo import _recommender_organisations
    from portal.reference import SEPARATELY_PLANNED_CITIES

    with app.app_context():
        kinds = {org.name: org.kind for org in _recommender_organisations()}
    for city in SEPARATELY_PLANNED_CITIES:
        assert kinds[f"{city}市场监督管理局"] == OrganisationKind.CITY_AUTHORITY
        assert kinds[f"{city}工业和信息化局"] == OrganisationKind.CITY_AUTHORITY
    assert kinds["浙江省市场监督管理局"] == OrganisationKind.MARKET_REGULATOR


# --- the experts' home and the campaign's scoring deadline --------------------------------------


def test_the_experts_home_shows_the_scoring_deadline_and_progress_pending_first(app, client, candidate_world):
    with app.app_context():
        campaign = db.session.get(Campaign, candidate_world["campaign"])
        campaign.scoring_deadline = campaign.recommend_deadline + timedelta(days=30)
        deadline = format_local(campaign.scoring_deadline)
        second = db.session.scalars(select(Application).where(Application.id != candidate_world["application"]))
        reviewer, expert = _user("reviewer"), db.session.scalar(select(ExpertProfile))
        other = review_services.assign(second.first(), expert, reviewer)
        first = db.session.get(Assignment, candidate_world["assignment"])
        first.submitted_at = utcnow()  # the first one is done
        db.session.commit()
        other_name = other.application.org_name
    login(client, "expert")
    html = client.get("/expert/").get_data(as_text=True)
    assert f'<span class="scoring-deadline">{deadline}</span>' in html
    assert '<span class="scoring-count">已评 1 / 2</span>' in html
    assert "待评 1 份" in html
    rows = html[html.index("<tbody>") :]
    assert rows.index(other_name) < rows.index("已提交")  # pending first


def test_without_a_deadline_the_expert_is_told_it_is_not_set(app, client, candidate_world):
    login(client, "expert")
    html = client.get("/expert/").get_data(as_text=True)
    assert '评分截止：</strong><span class="text-muted">主管部门尚未设定</span>' in html
    assert '<span class="scoring-count">已评 0 / 1</span>' in html


def test_admin_sets_the_scoring_deadline_after_the_recommenders(app, client):
    with app.app_context():
        make_staff(Role.ADMIN, username="admin")
        db.session.commit()
    login(client, "admin")
    data = {
        "name": "2028年度批次",
        "year": "2028",
        "opens_at": "2028-03-01T09:00",
        "closes_at": "2028-05-31T17:00",
        "recommend_deadline": "2028-06-30T17:00",
        "scoring_deadline": "2028-06-01T17:00",
        "quota_large": "5",
        "quota_sme": "5",
        "large_min_employees": "1000",
        "large_min_revenue": "40000",
    }
    response = client.post("/admin/campaigns", data=data)
    assert response.status_code == 422 and "专家评分截止应晚于推荐报送截止" in response.get_data(as_text=True)
    assert client.post("/admin/campaigns", data=data | {"scoring_deadline": "2028-08-15T17:00"}).status_code == 302
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.name == "2028年度批次"))
        assert campaign.scoring_deadline.hour == 9  # 17:00 in Beijing
        campaign_id = campaign.id
    assert 'value="2028-08-15T17:00"' in client.get(f"/admin/campaigns/{campaign_id}").get_data(as_text=True)
    assert "评分 2028-08-15 17:00" in client.get("/admin/campaigns").get_data(as_text=True)
    assert (
        client.post("/admin/campaigns", data=data | {"name": "2029年度批次", "scoring_deadline": ""}).status_code == 302
    )


# --- 推荐进度 filters ----------------------------------------------------------------------------


@pytest.fixture
def progress_world(app):
    """北京 submitted; 上海 has not (deadline not yet passed); 宁波 (计划单列市) has not; a reviewer."""
    with app.app_context():
        campaign = make_campaign()
        submitted_list(campaign, make_recommender("北京市市场监督管理局", region="北京市"), 1, username="beijing")
        make_recommender("上海市市场监督管理局", region="上海市")
        make_recommender("宁波市工业和信息化局", kind=OrganisationKind.CITY_AUTHORITY, region="浙江省")
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
        return {"campaign": campaign.id}


def _progress_names(html: str) -> list[str]:
    import re

    return re.findall(r'<a href="/review/recommenders/\d+">([^<]+)</a>', html)


def test_recommender_progress_filters_by_type_region_and_state(app, client, progress_world):
    login(client, "reviewer")
    html = client.get("/review/recommenders").get_data(as_text=True)
    assert set(_progress_names(html)) == {"北京市市场监督管理局", "上海市市场监督管理局", "宁波市工业和信息化局"}
    # A labelled GET filter bar.
    for name, label in (("kind", "类型"), ("region", "地区"), ("state", "报送状态")):
        assert f'<label class="form-label small text-muted mb-0" for="{name}">{label}</label>' in html
    assert _progress_names(client.get("/review/recommenders?state=submitted").get_data(as_text=True)) == [
        "北京市市场监督管理局"
    ]
    assert set(_progress_names(client.get("/review/recommenders?state=pending").get_data(as_text=True))) == {
        "上海市市场监督管理局",
        "宁波市工业和信息化局",
    }
    assert _progress_names(client.get("/review/recommenders?kind=city_authority").get_data(as_text=True)) == [
        "宁波市工业和信息化局"
    ]
    assert _progress_names(client.get("/review/recommenders?region=上海市").get_data(as_text=True)) == [
        "上海市市场监督管理局"
    ]
    html = client.get("/review/recommenders?state=late").get_data(as_text=True)
    assert _progress_names(html) == [] and "没有符合筛选条件的推荐单位" in html
    # After the deadline the two that did not submit are late.
    with app.app_context():
        campaign = db.session.get(Campaign, progress_world["campaign"])
        campaign.closes_at = campaign.recommend_deadline = utcnow() - timedelta(minutes=1)
        db.session.commit()
    html = client.get("/review/recommenders?state=late&region=上海市").get_data(as_text=True)
    assert _progress_names(html) == ["上海市市场监督管理局"]
    assert "筛选结果 1 个推荐单位" in html
    # Kinds in the notice's order, 计划单列市 after the provinces' bodies, not by character code.
    assert _progress_names(client.get("/review/recommenders").get_data(as_text=True)) == [
        "北京市市场监督管理局",
        "上海市市场监督管理局",
        "宁波市工业和信息化局",
    ]
    # A hand-edited value counts as "all".
    assert len(_progress_names(client.get("/review/recommenders?state=nonsense").get_data(as_text=True))) == 3


# --- the audit log in words ---------------------------------------------------------------------


def test_every_audited_action_has_a_chinese_name():
    """Every code a service writes (literal, either branch of a conditional, or a link's purpose) has a name."""
    import re
    from pathlib import Path

    from portal.accounts.tokens import PURPOSE_LABEL
    from portal.audit_text import ACTION_LABELS

    source = "\n".join(path.read_text(encoding="utf-8") for path in Path("portal").rglob("*.py"))
    code = r'"([a-z_]+\.[a-z_0-9]+)"'
    used = set(re.findall(r"record_audit\(\s*" + code, source))
    used |= {c for pair in re.findall(r"record_audit\(\s*" + code + r" if [\w.]+ else " + code, source) for c in pair}
    used |= {f"account.{purpose}_link" for purpose in PURPOSE_LABEL}
    assert len(used) > 50
    assert used - set(ACTION_LABELS) == set()


def test_details_read_as_words():
    from portal.audit_text import action_label, describe_detail, object_label

    assert action_label("ranking.add") == "加入推荐名单"
    assert action_label("something.new") == "something.new"
    assert object_label("Application") == "申报书"
    assert describe_detail({"scale": "large", "rank": 2}) == "规模：大型；排名：2"
    assert describe_detail({"outcome": "selected", "previous": None, "reason": "材料完整"}) == (
        "结论：入选；原决定：—；理由：材料完整"
    )
    assert describe_detail({"fields": ["org_name", "city"]}) == "字段：单位名称、所在城市"
    assert (
        describe_detail({"quota_large": "5", "kind": "city_authority"}) == "大型企业名额：5；类型：计划单列市主管部门"
    )
    # Only coded keys are translated: a login name that happens to be a role's code stays as typed.
    assert describe_detail({"role": "admin", "username": "admin"}) == "角色：系统管理员；登录名：admin"
    assert describe_detail(None) == ""


def test_the_audit_page_and_export_show_names_and_readable_changes(app, client):
    from io import BytesIO

    import openpyxl

    with app.app_context():
        make_staff(Role.ADMIN, username="admin")
        db.session.commit()
    login(client, "admin")
    client.post(
        "/admin/organisations", data={"name": "大连市市场监督管理局", "kind": "city_authority", "region": "辽宁省"}
    )
    html = client.get("/admin/audit?action=organisation.").get_data(as_text=True)
    assert "添加单位" in html
    assert "名称：大连市市场监督管理局；类型：计划单列市主管部门；地区：辽宁省" in html
    assert "{&#39;" not in html and "{'" not in html  # no Python dict text
    assert "单位" in html
    sheet = openpyxl.load_workbook(BytesIO(client.get("/admin/audit.xlsx?action=organisation.").data))["操作日志"]
    header, row = [cell.value for cell in sheet[1]], [cell.value for cell in sheet[2]]
    assert header[2:5] == ["操作", "操作代码", "对象类型"]
    assert row[2:5] == ["添加单位", "organisation.create", "单位"]
    assert row[6] == "名称：大连市市场监督管理局；类型：计划单列市主管部门；地区：辽宁省"


def test_the_enterprises_own_certificate_table_shows_the_status_as_of_today(app, client, enterprise):
    from portal.applications import services as application_services
    from portal.applications.models import CertificationKind
    from tests.factories import upload

    with app.app_context():
        application = db.session.scalar(select(Application))
        user = db.session.scalar(select(User).where(User.username == enterprise["username"]))
        application_services.add_certification(
            application,
            user,
            {
                "kind": CertificationKind.MMS,
                "kind_other": None,
                "number": "CMS-2020-001",
                "issuer": "测试认证中心",
                "issued_on": local_today() - timedelta(days=1200),
                "expires_on": local_today() - timedelta(days=5),
                "status": CertificationStatus.VALID,
            },
            upload(filename="证书.pdf"),
            None,
        )
        db.session.commit()
    html = client.get("/application/certifications").get_data(as_text=True)
    assert "<td>有效</td>" in html
    assert '<span class="badge text-bg-warning">已过期</span>' in html
