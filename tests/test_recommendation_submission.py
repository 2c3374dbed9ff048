"""Submitting the ranked list, the reviewer's unlock, drag-and-drop order, the diff after a return, exports."""

import os
import re
import shutil
import subprocess
import zipfile
from datetime import datetime, timedelta
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.applications import services as application_services
from portal.applications.history import changes_since_last_version, versions_of
from portal.applications.models import Application, ApplicationStatus
from portal.campaigns.models import Scale
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.recommendations import services
from portal.recommendations.models import RankingEntry, Recommendation
from portal.selfcheck import SELF_CHECK_ITEMS
from tests.conftest import login
from tests.factories import (
    PNG_BYTES,
    accepted_application,
    make_campaign,
    make_recommender,
    make_staff,
    submitted_application,
    upload,
)

DETAILS = {
    "lead_department": "质量发展处",
    "responsible_person": "李处长",
    "contact_person": "赵敏",
    "contact_phone": "010-66668888",
    "contact_email": "zhaomin@example.gov.cn",
}


@pytest.fixture
def world(app):
    with app.app_context():
        campaign = make_campaign()
        ours, theirs = (
            make_recommender("北京市市场监督管理局"),
            make_recommender("天津市市场监督管理局", region="天津市"),
        )
        staff = make_staff(Role.RECOMMENDER, ours, username="beijing")
        make_staff(Role.RECOMMENDER, theirs, username="tianjin")
        make_staff(Role.REVIEWER, username="reviewer")
        large = [accepted_application(campaign, ours, staff).id for _ in range(3)]
        sme = accepted_application(campaign, ours, staff, employees=300).id
        waiting = submitted_application(campaign, ours).id  # never accepted
        other = submitted_application(campaign, theirs).id
        db.session.commit()
        return {
            "large": large,
            "sme": sme,
            "waiting": waiting,
            "other": other,
            "ours": ours.id,
            "campaign": campaign.id,
        }


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _enterprise_user(application: Application) -> User:
    return db.session.scalar(select(User).where(User.enterprise_id == application.enterprise_id))


def _application(application_id: int) -> Application:
    return db.session.get(Application, application_id)


def _rank(world, *application_ids):
    for application_id in application_ids:
        services.add_to_ranking(_application(application_id), _user("beijing"))


def _submit(world, details=DETAILS, scan=True):
    staff = _user("beijing")
    stored = upload(PNG_BYTES, "汇总表盖章.png") if scan else None
    return services.submit_recommendation(_application(world["sme"]).campaign, staff, details, stored)


def _pass_the_deadline(campaign):
    campaign.opens_at, campaign.closes_at, campaign.recommend_deadline = (
        utcnow() - timedelta(days=3),
        utcnow() - timedelta(days=2),
        utcnow() - timedelta(minutes=1),
    )


def _order(scale=Scale.LARGE) -> list[int]:
    return db.session.scalars(
        select(RankingEntry.application_id).where(RankingEntry.scale == scale).order_by(RankingEntry.rank)
    ).all()


def test_submission_marks_ranked_recommended_and_the_rest_not(app, world):
    with app.app_context():
        _rank(world, world["large"][1], world["sme"])
        recommendation = _submit(world)
        assert recommendation.submitted_at is not None and recommendation.contact_phone == "010-66668888"
        statuses = {
            key: _application(world[key] if key != "large" else world["large"][1]).status
            for key in ("large", "sme", "waiting", "other")
        }
        assert statuses == {
            "large": ApplicationStatus.RECOMMENDED,
            "sme": ApplicationStatus.RECOMMENDED,
            "waiting": ApplicationStatus.NOT_RECOMMENDED,
            "other": ApplicationStatus.SUBMITTED,
        }
        assert _application(world["large"][0]).status == ApplicationStatus.NOT_RECOMMENDED
        last = _application(world["large"][1]).events[-1]
        assert last.label == "已推荐" and last.reason == "北京市市场监督管理局推荐，大型企业第 1 名"
        with pytest.raises(RuleViolation, match="已报送"):
            services.remove_from_ranking(_application(world["large"][1]), _user("beijing"))


def test_submission_needs_candidates_details_and_the_sealed_scan(app, world):
    with app.app_context():
        with pytest.raises(RuleViolation, match="推荐名单为空"):
            _submit(world)
        _rank(world, world["sme"])
        with pytest.raises(RuleViolation, match="扫描件"):
            _submit(world, scan=False)
        with pytest.raises(RuleViolation, match="报送信息"):
            _submit(world, DETAILS | {"contact_email": "  "})


def test_submission_is_refused_after_the_deadline(app, world):
    with app.app_context():
        _rank(world, world["sme"])
        _pass_the_deadline(_application(world["sme"]).campaign)
        with pytest.raises(RuleViolation, match="截止"):
            _submit(world)


def test_unlock_reopens_the_list_and_withdraws_the_marks(app, world):
    with app.app_context():
        _rank(world, world["large"][0])
        recommendation = _submit(world)
        campaign = recommendation.campaign
        _pass_the_deadline(campaign)
        reviewer = _user("reviewer")
        with pytest.raises(RuleViolation, match="解锁理由"):
            services.unlock_recommendation(recommendation, reviewer, "  ", utcnow() + timedelta(days=2))
        with pytest.raises(RuleViolation, match="晚于当前时间"):
            services.unlock_recommendation(
                recommendation, reviewer, "排名需调整，重新报送", utcnow() - timedelta(hours=1)
            )
        services.unlock_recommendation(recommendation, reviewer, "排名需调整，重新报送", utcnow() + timedelta(days=2))
        assert recommendation.submitted_at is None and recommendation.is_open(campaign, utcnow())
        assert _application(world["large"][0]).status == ApplicationStatus.ACCEPTED
        assert _application(world["waiting"]).status == ApplicationStatus.SUBMITTED  # what it was before
        assert _application(world["waiting"]).events[-1].label == "推荐结果撤回"
        _rank(world, world["large"][1])  # reopened: changes allowed after the campaign's deadline
        assert _order() == [world["large"][0], world["large"][1]]
        with pytest.raises(RuleViolation, match="无需解锁"):
            services.unlock_recommendation(recommendation, reviewer, "再次解锁测试", utcnow() + timedelta(days=2))


def test_reorder_takes_a_permutation_of_the_current_list_only(app, world):
    with app.app_context():
        first, second, third = world["large"]
        _rank(world, first, second, third)
        campaign = _application(first).campaign
        services.reorder_ranking(_user("beijing"), campaign, Scale.LARGE, [third, first, second])
        assert _order() == [third, first, second]
        for wrong in ([third, first], [third, first, second, world["other"]], [first, first, second]):
            with pytest.raises(RuleViolation, match="刷新页面"):
                services.reorder_ranking(_user("beijing"), campaign, Scale.LARGE, wrong)
        assert _order() == [third, first, second]


def test_resubmission_after_a_return_shows_what_changed(app, world):
    with app.app_context():
        application = _application(world["waiting"])
        services.return_application(application, _user("beijing"), "请补充计量人员情况。")
        enterprise = _enterprise_user(application)
        application_services.save_fields(
            application, enterprise, {"fulltime_metrology_staff": 9, "contact_phone": "13911112222"}, None
        )
        answers = {answer.item_code: (answer.answer.value, answer.remark) for answer in application.self_check_answers}
        application_services.save_self_check(application, enterprise, answers | {"1.1": ("no", "正在编制")}, {}, None)
        application_services.submit_application(application, enterprise)
        versions = versions_of(application)
        changes = {change.label: (change.before, change.after) for change in changes_since_last_version(versions)}
        assert [version.number for version in versions] == [1, 2]
        assert changes["专职计量人员数"] == ("5", "9")
        assert changes["电话/手机"] == ("13800138000", "13911112222")
        assert changes["自查 1.1 是否对企业产品编制计量保证大纲"] == ("√", "×　正在编制")
        assert len(changes) == 3


def test_review_page_shows_the_comparison(client, app, world):
    with app.app_context():
        application = _application(world["waiting"])
        services.return_application(application, _user("beijing"), "请补充计量人员情况。")
        enterprise = _enterprise_user(application)
        application_services.save_fields(application, enterprise, {"main_products": "智能电能表"}, None)
        application_services.submit_application(application, enterprise)
        db.session.commit()
    login(client, "beijing")
    page = client.get(f"/recommender/applications/{world['waiting']}").get_data(as_text=True)
    assert "第 2 版与第 1 版相比的修改" in page and "智能电能表" in page and "压力变送器" in page


def test_submission_page_stores_the_scan_and_locks(client, app, world):
    login(client, "beijing")
    client.post(f"/recommender/ranking/{world['sme']}/add")
    response = client.post(
        "/recommender/ranking/submit", data=DETAILS | {"contact_phone": "12345"}, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请上传加盖公章" in page and "请输入手机号码" in page
    assert 'value="质量发展处"' in page  # what was typed is kept
    response = client.post(
        "/recommender/ranking/submit",
        data=DETAILS | {"sealed_scan": (BytesIO(PNG_BYTES), "汇总表.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get("/recommender/ranking").get_data(as_text=True)
    assert "已于" in page and "排序已锁定" in page and "汇总表.png" in page and "加入推荐" not in page
    with app.app_context():
        scan_id = db.session.scalar(select(Recommendation.sealed_scan_id))
    assert client.get(f"/files/{scan_id}").status_code == 200
    login(client, "tianjin")
    assert client.get(f"/files/{scan_id}").status_code == 404
    login(client, "reviewer")
    assert client.get(f"/files/{scan_id}").status_code == 200


def test_enterprise_sees_the_outcome_on_its_status_page(client, app, world):
    with app.app_context():
        _rank(world, world["sme"])
        _submit(world)
        db.session.commit()
        username = _enterprise_user(_application(world["sme"])).username
    login(client, username)
    page = client.get("/application/status").get_data(as_text=True)
    assert "已推荐" in page and "中小型企业第 1 名" in page


def test_reorder_by_drag_and_drop_endpoint(client, app, world):
    login(client, "beijing")
    first, second, third = world["large"]
    for application_id in (first, second, third):
        client.post(f"/recommender/ranking/{application_id}/add")
    client.post("/recommender/ranking/order", data={"scale": "large", "order": f"{second},{third},{first}"})
    with app.app_context():
        assert _order() == [second, third, first]
    # Another organisation's candidate smuggled into the order is refused, and nothing changes.
    client.post("/recommender/ranking/order", data={"scale": "large", "order": f"{world['other']},{third},{first}"})
    assert client.post("/recommender/ranking/order", data={"scale": "huge", "order": "1"}).status_code == 400
    with app.app_context():
        assert _order() == [second, third, first]


def test_reviewer_sees_progress_and_unlocks_through_the_page(client, app, world):
    with app.app_context():
        _rank(world, world["sme"])
        _submit(world)
        db.session.commit()
    login(client, "beijing")
    assert client.get("/review/recommenders").status_code == 403
    login(client, "reviewer")
    page = client.get("/review/recommenders").get_data(as_text=True)
    rows = page[page.index("<tbody>") :]  # the states, not the filter's options
    assert "北京市市场监督管理局" in rows and "已报送" in rows and "逾期未报送" not in rows
    response = client.post(f"/review/recommenders/{world['ours']}/unlock", data={"reason": "短", "until": ""})
    assert response.status_code == 422 and "请填写重新开放的截止时间" in response.get_data(as_text=True)
    until = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/review/recommenders/{world['ours']}/unlock", data={"reason": "名单需要调整排名", "until": until}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Recommendation.submitted_at)) is None
        assert _application(world["sme"]).status == ApplicationStatus.ACCEPTED
    assert client.get("/review/recommenders/999999").status_code == 404


def test_application_list_export_writes_typed_text_as_text(client, app, world):
    with app.app_context():
        _application(world["large"][0]).org_name = '=HYPERLINK("http://x","y")'
        _application(world["large"][0]).contact_phone = "+86 13800138000"
        db.session.commit()
    login(client, "beijing")
    response = client.get("/recommender/applications.xlsx?scale=large")
    assert response.status_code == 200
    with zipfile.ZipFile(BytesIO(response.data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    workbook = openpyxl.load_workbook(BytesIO(response.data))
    sheet = workbook["申报书列表"]
    header = [cell.value for cell in sheet[1]]
    assert (
        header[:3] == ["序号", "申报单位名称", "统一社会信用代码"]
        and header[-1] == f"自查{SELF_CHECK_ITEMS[-1].code}"
        and len(header) == 19 + 33
    )
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4  # three large accepted + the one never accepted; not the other organisation's
    first = rows[0]
    assert first[1] == '=HYPERLINK("http://x","y")' and first[12] == "+86 13800138000"
    assert isinstance(first[15], datetime) and first[16] == 33 and set(first[19:]) == {"√"}
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert workbook["自查项目说明"]["D2"].value == "是否对企业产品编制计量保证大纲"


@pytest.mark.skipif(shutil.which("soffice") is None and not os.environ.get("CI"), reason="LibreOffice not installed")
def test_summary_sheet_prints_on_one_page(client, app, world, tmp_path):
    with app.app_context():
        _rank(world, *world["large"], world["sme"])
        db.session.commit()
    login(client, "beijing")
    sheet = tmp_path / "summary.xlsx"
    sheet.write_bytes(client.get("/recommender/ranking/summary.xlsx").data)
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(sheet),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "summary.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
