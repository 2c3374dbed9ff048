"""The 申报书 as PDF (WeasyPrint): the notice's texts, the pledge with its signature, the footer, access."""

import hashlib
import json

import pytest
from sqlalchemy import select

from portal.applications.models import Application, ApplicationVersion
from portal.applications.pledge import PLEDGE_CONFIRMATION, PLEDGE_INTRO, PLEDGE_ITEMS
from portal.campaigns.models import Campaign
from portal.core.extensions import db
from portal.core.timeutil import to_local
from portal.documents.facts import fingerprint
from portal.documents.pdf import pdf_available
from portal.selfcheck import SELF_CHECK_ITEMS, SELF_CHECK_NOTE
from tests.conftest import login
from tests.documents_world import build_world, pdf_pages
from tests.notice import selfcheck_headers, selfcheck_note, squash

needs_weasyprint = pytest.mark.skipif(
    not pdf_available(), reason="WeasyPrint or Pango missing (apt-get install libpango-1.0-0 libpangoft2-1.0-0)"
)


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def _pdf(client, username: str, url: str) -> list[str]:
    login(client, username)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    return pdf_pages(response.data)


def test_the_self_check_note_and_columns_are_the_notices():
    assert squash(SELF_CHECK_NOTE) == squash(selfcheck_note())
    assert selfcheck_headers() == ["类别", "项目", "主要内容", "是/否"]


def test_fingerprint_is_the_sha256_of_the_canonical_snapshot():
    data = {"b": 1, "a": "中文"}
    canonical = '{"a":"中文","b":1}'.encode()
    assert fingerprint(data) == hashlib.sha256(canonical).hexdigest()[:12]
    assert fingerprint({"a": "中文", "b": 1}) == fingerprint(json.loads(json.dumps(data)))


@needs_weasyprint
def test_enterprise_pdf_has_cover_section_three_and_footer(app, client, world):
    with app.app_context():
        application = db.session.get(Application, world["application"])
        answer = next(answer for answer in application.self_check_answers if answer.item_code == "1.4.2")
        version = db.session.scalar(
            select(ApplicationVersion).where(ApplicationVersion.application_id == application.id)
        )
        expected_fingerprint = hashlib.sha256(
            json.dumps(version.data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        ).hexdigest()[:12]
        name = application.display_name
        assert answer.remark is None
    pages = _pdf(client, world["enterprise"], "/application/print.pdf")
    squashed = [squash(page) for page in pages]
    cover = squashed[0]
    year = str(db_campaign_year(app, world))
    for words in ("工业计量标杆示范单位申报书", f"{year}年度", name, "北京市市场监督管理局", "填报日期"):
        assert squash(words) in cover
    assert "国家市场监督管理总局工业和信息化部制" in cover
    total = len(pages)
    for number, page in enumerate(squashed[1:], start=2):
        assert f"第{number}页共{total}页" in page
        assert squash(name) in page  # the running header
        assert squash(f"提交版本：第 1 版　指纹 {expected_fingerprint}") in page
    section_three = next(page for page in squashed if "三、企业计量情况自我检查表" in page)
    assert squash("类别 项目 主要内容 是/否") in section_three
    assert "备注" not in section_three
    everything = "".join(squashed)
    assert squash(SELF_CHECK_NOTE) in everything
    assert all(squash(item.content) in everything for item in SELF_CHECK_ITEMS)


@needs_weasyprint
def test_pledge_is_the_ticked_text_with_signature_and_seal_on_the_same_page(client, world):
    pages = [squash(page) for page in _pdf(client, world["enterprise"], "/application/print.pdf")]
    pledge_pages = [page for page in pages if squash(PLEDGE_INTRO) in page]
    assert len(pledge_pages) == 1
    page = pledge_pages[0]
    for text in (*PLEDGE_ITEMS, PLEDGE_CONFIRMATION, "法定代表人（签字）", "申报单位（盖章）", "年月日"):
        assert squash(text) in page, text
    assert page.index(squash(PLEDGE_CONFIRMATION)) < page.index(squash("法定代表人（签字）"))


def test_print_view_shows_the_whole_pledge_and_the_notices_table(client, world):
    login(client, world["enterprise"])
    page = client.get("/application/print").get_data(as_text=True)
    for text in (PLEDGE_INTRO, *PLEDGE_ITEMS, PLEDGE_CONFIRMATION, SELF_CHECK_NOTE, "是/否", "自查说明"):
        assert text in page
    assert "国家市场监督管理总局　工业和信息化部　制" in page
    section = client.get("/application/section/pledge").get_data(as_text=True)
    for text in (PLEDGE_INTRO, *PLEDGE_ITEMS, PLEDGE_CONFIRMATION):
        assert text in section


def db_campaign_year(app, world) -> int:
    with app.app_context():
        return db.session.get(Campaign, world["campaign"]).year


@needs_weasyprint
def test_issuing_authorities_remarks_and_unsubmitted_changes(app, client, world):
    with app.app_context():
        campaign = db.session.get(Campaign, world["campaign"])
        campaign.issuing_authorities = "国家质量监督检验检疫总局 工业和信息化部"
        application = db.session.get(Application, world["application"])
        answer = next(answer for answer in application.self_check_answers if answer.item_code == "1.4.2")
        answer.remark = "在线计量控制覆盖 12 条产线。"
        db.session.commit()
    pages = [squash(page) for page in _pdf(client, "reviewer", f"/documents/applications/{world['application']}.pdf")]
    assert "国家质量监督检验检疫总局工业和信息化部制" in pages[0]
    remarks = next(page for page in pages if "自查说明" in page)
    after_table = remarks[remarks.index("自查说明") :]
    assert squash("(2)是否实施了在线计量控制：在线计量控制覆盖 12 条产线。") in after_table
    # The remark was added after submission: the copy says it is not the submitted version.
    assert squash("含未提交的修改（最近提交：第 1 版") in pages[1]


@needs_weasyprint
@pytest.mark.parametrize("username", ["beijing", "reviewer", "admin", "expert"])
def test_everyone_allowed_gets_the_same_pdf(client, world, username):
    pages = _pdf(client, username, f"/documents/applications/{world['application']}.pdf")
    assert "工业计量标杆示范单位申报书" in squash(pages[0])


@pytest.mark.parametrize("who", ["tianjin", "expert2", "stranger"])
def test_others_get_404(client, world, who):
    login(client, world.get(who, who))
    assert client.get(f"/documents/applications/{world['application']}.pdf").status_code == 404


def test_anonymous_goes_to_login_and_staff_have_no_own_application(client, world):
    response = client.get(f"/documents/applications/{world['application']}.pdf")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    login(client, "reviewer")
    assert client.get("/application/print.pdf").status_code == 403
    login(client, world["stranger"])
    assert client.get("/application/print.pdf").status_code == 404  # no application started


@needs_weasyprint
def test_a_draft_prints_as_a_draft(app, client, world):
    from portal.applications import services
    from portal.campaigns.models import Campaign as CampaignModel
    from tests.factories import make_enterprise_user

    with app.app_context():
        user = make_enterprise_user("草稿企业有限公司")
        services.start_application(user, db.session.get(CampaignModel, world["campaign"]))
        db.session.commit()
        username = user.username
    pages = [squash(page) for page in _pdf(client, username, "/application/print.pdf")]
    assert "草稿企业有限公司" in pages[0] and squash("草稿，尚未提交") in pages[0]
    assert squash("草稿，尚未提交") in pages[1]


def test_without_weasyprint_the_pdf_answers_503(client, world, monkeypatch):
    from portal.documents import views
    from portal.documents.pdf import PdfUnavailable

    def unavailable(_application):
        raise PdfUnavailable("no Pango")

    monkeypatch.setattr(views, "render_application_pdf", unavailable)
    login(client, "reviewer")
    assert client.get(f"/documents/applications/{world['application']}.pdf").status_code == 503


def test_admin_sets_the_issuing_authorities_with_the_campaign(app, client, world):
    login(client, "admin")
    url = f"/admin/campaigns/{world['campaign']}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="国家市场监督管理总局 工业和信息化部"' in page  # the campaign form carries them
    with app.app_context():
        campaign = db.session.get(Campaign, world["campaign"])
        data = {
            "name": campaign.name,
            "year": str(campaign.year),
            "opens_at": to_local(campaign.opens_at).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": to_local(campaign.closes_at).strftime("%Y-%m-%dT%H:%M"),
            "recommend_deadline": to_local(campaign.recommend_deadline).strftime("%Y-%m-%dT%H:%M"),
            "quota_large": "5",
            "quota_sme": "5",
            "large_min_employees": "1000",
            "large_min_revenue": "40000",
        }
    response = client.post(url, data=data | {"issuing_authorities": "国家质量监督检验检疫总局、工业和信息化部"})
    assert response.status_code == 302
    with app.app_context():
        assert (
            db.session.get(Campaign, world["campaign"]).issuing_authorities == "国家质量监督检验检疫总局 工业和信息化部"
        )
    refused = client.post(url, data=data | {"issuing_authorities": "一 二 三 四 五"})
    assert refused.status_code == 422 and "请填写 1 至 4 个发文机关" in refused.get_data(as_text=True)


def test_site_footer_names_the_notice_and_the_same_authorities_as_the_cover(client, world):
    from tests.notice import NOTICE

    login(client, world["enterprise"])
    page = client.get("/application/").get_data(as_text=True)
    footer = page[page.index("<footer") :]
    title = footer[footer.index("《") + 1 : footer.index("》")]
    assert squash(title) in squash(NOTICE) and "国质检量联〔2017〕399号" in footer
    assert "国家市场监督管理总局 工业和信息化部" in footer  # the cover's default, Campaign.issuing_authorities


@needs_weasyprint
def test_the_recommender_sees_the_fingerprint_the_paper_copy_carries(app, client, world):
    with app.app_context():
        version = db.session.scalar(
            select(ApplicationVersion).where(ApplicationVersion.application_id == world["application"])
        )
        expected = fingerprint(version.data)
    pages = _pdf(client, world["enterprise"], "/application/print.pdf")
    assert expected in pages[1]
    login(client, "beijing")
    page = client.get(f"/recommender/applications/{world['application']}").get_data(as_text=True)
    assert f"指纹 <code>{expected}</code>" in page
