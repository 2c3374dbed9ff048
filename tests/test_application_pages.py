"""The enterprise's application pages through the test client."""

from io import BytesIO

import pytest
from sqlalchemy import select

from portal.accounts.models import Enterprise, Organisation, OrganisationKind, User
from portal.applications.models import Application, ApplicationStatus
from portal.campaigns.models import Campaign
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.files import StoredFile
from portal.recommendations.models import Recommendation
from tests.conftest import login
from tests.factories import (
    PDF_BYTES,
    PNG_BYTES,
    complete_application,
    make_campaign,
    make_enterprise_user,
    make_recommender,
)


@pytest.fixture
def world(app):
    """A campaign, a recommender, and two enterprises; the first one logged in."""
    with app.app_context():
        campaign = make_campaign()
        recommender = make_recommender("北京市市场监督管理局")
        first, second = make_enterprise_user("甲公司"), make_enterprise_user("乙公司")
        db.session.commit()
        return {
            "campaign": campaign.id,
            "recommender": recommender.id,
            "first": first.username,
            "second": second.username,
        }


@pytest.fixture
def started(client, world):
    login(client, world["first"])
    client.post("/application/start")
    return client


def _application(app, enterprise_name="甲公司") -> Application:
    return db.session.scalar(select(Application).join(Application.enterprise).where(Enterprise.name == enterprise_name))


def _complete(world, who: str) -> Application:
    user = db.session.scalar(select(User).where(User.username == world[who]))
    return complete_application(
        user, db.session.get(Campaign, world["campaign"]), db.session.get(Organisation, world["recommender"])
    )


def test_overview_offers_to_start(client, world):
    login(client, world["first"])
    assert "开始填写申报书" in client.get("/application/").get_data(as_text=True)
    response = client.post("/application/start")
    assert response.location == "/application/section/basic"


def test_every_section_page_renders(started):
    for path in (
        "/application/section/basic",
        "/application/section/metrology",
        "/application/section/narrative",
        "/application/section/pledge",
        "/application/selfcheck",
        "/application/certifications",
        "/application/attachments",
        "/application/recommender",
        "/application/status",
        "/application/print",
    ):
        assert started.get(path).status_code == 200, path


def test_draft_save_with_invalid_data_keeps_everything_typed(started, app):
    response = started.post(
        "/application/section/basic",
        data={
            "version": "1",
            "city": "北京市",
            "postcode": "12ab",
            "contact_phone": "12345",
            "employees": "很多",
            "industry": "仪器仪表",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "邮政编码应为 6 位数字" in page and "之间的整数" in page
    assert 'value="12ab"' in page and 'value="12345"' in page and 'value="很多"' in page
    with app.app_context():
        application = _application(app)
        assert application.city == "北京市" and application.industry == "仪器仪表"  # the valid fields saved
        assert application.postcode is None


def test_a_stale_form_shows_what_differs_and_the_next_save_overwrites(started, app):
    started.post("/application/section/basic", data={"version": "1", "city": "北京市", "address": "海淀区"})
    response = started.post("/application/section/basic", data={"version": "1", "city": "天津市", "address": "海淀区"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'value="天津市"' in page  # the input is kept
    conflict = page[page.index('id="conflict"') : page.index('id="section-form"')]
    assert "北京市" in conflict and "天津市" in conflict and "海淀区" not in conflict  # only what differs
    assert "用我的输入覆盖" in conflict and "放弃我的输入" in conflict
    assert 'name="version" type="hidden" value="2"' in page  # the form now carries the stored version
    # "用我的输入覆盖" posts the same input with that version: it saves, once.
    assert started.post("/application/section/basic", data={"version": "2", "city": "天津市"}).status_code == 302
    with app.app_context():
        assert _application(app).city == "天津市"


def test_a_short_narrative_saves_as_a_draft_and_says_what_is_missing(started, app):
    response = started.post(
        "/application/section/narrative", data={"version": "1", "work_summary": "计量工作" * 5}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "已保存为草稿" in page and "应为 200–3000 字，当前 20 字" in page
    assert 'data-minlength="200"' in page and "200–3000 字" in page  # said beside the field, before saving
    with app.app_context():
        assert _application(app).work_summary == "计量工作" * 5


def test_submit_with_missing_fields_lists_them_with_links(started):
    response = started.post("/application/submit")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "处需要补充或修改" in page
    assert 'href="/application/section/basic#industry"' in page
    assert 'href="/application/selfcheck#item-1.1"' in page
    assert 'href="/application/attachments#business_licence"' in page


def test_a_non_pdf_renamed_pdf_is_refused(started, app):
    for data, name in (
        (PNG_BYTES, "营业执照.pdf"),
        (b"<html><script>alert(1)</script></html>", "营业执照.pdf"),
        (b"", "空.pdf"),
    ):
        response = started.post(
            "/application/attachments",
            data={"kind": "business_licence", "file": (BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert "营业执照" in response.get_data(as_text=True)
        assert ("内容与扩展名不符" in response.get_data(as_text=True)) or ("空文件" in response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(StoredFile)) is None


def test_a_pdf_upload_is_stored_under_a_random_name_and_downloads_with_its_chinese_name(started, app):
    started.post(
        "/application/attachments",
        data={"kind": "business_licence", "file": (BytesIO(PDF_BYTES), "营业执照.pdf")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        stored = db.session.scalar(select(StoredFile))
        assert stored.original_name == "营业执照.pdf" and stored.stored_name != "营业执照.pdf"
        assert "static" not in app.config["UPLOAD_FOLDER"]
        file_id = stored.id
    response = started.get(f"/files/{file_id}")
    assert response.status_code == 200 and response.data == PDF_BYTES
    assert "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf" in response.headers["Content-Disposition"]


def test_an_enterprise_cannot_read_another_enterprises_files(client, world, app):
    with app.app_context():
        application = _complete(world, "second")
        db.session.commit()
        file_ids = [c.certificate_file_id for c in application.certifications] + [
            a.file_id for a in application.attachments
        ]
    login(client, world["first"])
    for file_id in file_ids:
        assert client.get(f"/files/{file_id}").status_code == 404
    # Its own pages only ever show its own application.
    assert "乙公司" not in client.get("/application/print").get_data(as_text=True)


def test_the_full_flow_submit_status_and_withdraw(client, world, app):
    with app.app_context():
        _complete(world, "first")
        db.session.commit()
    login(client, world["first"])
    response = client.post("/application/submit")
    assert response.location == "/application/status"
    status_page = client.get("/application/status").get_data(as_text=True)
    assert "已提交" in status_page and "提交至北京市市场监督管理局" in status_page
    refused = client.post("/application/section/basic", data={"city": "天津市"}).get_data(as_text=True)
    assert "不能修改" in refused
    client.post("/application/withdraw")
    with app.app_context():
        assert _application(app).status == ApplicationStatus.DRAFT


def test_recommender_list_filters_by_kind_and_name(started, app):
    with app.app_context():
        make_recommender("中国计量测试学会", kind=OrganisationKind.ASSOCIATION, region="全国")
        db.session.commit()
    page = started.get("/application/recommender?kind=association").get_data(as_text=True)
    assert "中国计量测试学会" in page and "北京市市场监督管理局" not in page
    page = started.get("/application/recommender?q=北京").get_data(as_text=True)
    assert "北京市市场监督管理局" in page and "中国计量测试学会" not in page


def test_recommenders_that_submitted_their_list_are_marked(started, app, world):
    with app.app_context():
        shanghai = make_recommender("上海市市场监督管理局", region="上海市")
        db.session.add(Recommendation(campaign_id=world["campaign"], recommender_id=shanghai.id, submitted_at=utcnow()))
        db.session.commit()
    page = started.get("/application/recommender").get_data(as_text=True)
    shanghai_row, beijing_row = (
        page.split(f"<span>{name}</span>")[1].split("</label>")[0]
        for name in ("上海市市场监督管理局", "北京市市场监督管理局")
    )
    assert "已报送推荐名单" in shanghai_row and "已报送推荐名单" not in beijing_row
    assert "须待主管部门为其解锁名单后方可纳入推荐" in page
    assert "须待主管部门" not in started.get("/application/recommender?q=北京").get_data(as_text=True)


def test_self_check_answers_save_and_bad_evidence_is_reported_next_to_the_item(started, app):
    data = {
        "version": "1",
        "answer-1.1": "yes",
        "remark-1.1": "见计量保证大纲",
        "answer-1.2": "na",
        "evidence-1.3": (BytesIO(b"not a pdf"), "证明.pdf"),
    }
    page = started.post("/application/selfcheck", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "内容与扩展名不符" in page
    assert ">见计量保证大纲</textarea>" in page
    with app.app_context():
        answers = _application(app).answers_by_code()
        assert answers["1.1"].answer.label == "√" and answers["1.2"].answer.label == "—"
        assert answers["1.3"].answer is None
