"""The ranked lists: quota per scale, order, locks, one list per candidate, and the race for the last place."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.applications.models import Application
from portal.campaigns.models import Scale
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.recommendations import services
from portal.recommendations.models import RankingEntry
from tests.conftest import login
from tests.factories import accepted_application, make_campaign, make_recommender, make_staff

LARGE = {"employees": 1200, "revenue": 50000}
SME = {"employees": 999, "revenue": 50000}


@pytest.fixture
def world(app):
    with app.app_context():
        campaign = make_campaign()
        recommender = make_recommender("北京市市场监督管理局")
        staff = make_staff(Role.RECOMMENDER, recommender, username="beijing")
        make_staff(Role.RECOMMENDER, recommender, username="beijing2")
        large = [accepted_application(campaign, recommender, staff).id for _ in range(7)]
        sme = [accepted_application(campaign, recommender, staff, **SME).id for _ in range(2)]
        db.session.commit()
        return {"large": large, "sme": sme}


def _staff(username="beijing") -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _order(scale=Scale.LARGE) -> list[int]:
    return db.session.scalars(
        select(RankingEntry.application_id).where(RankingEntry.scale == scale).order_by(RankingEntry.rank)
    ).all()


def _add(application_id):
    return services.add_to_ranking(db.session.get(Application, application_id), _staff())


def test_quota_per_scale_holds_at_the_bound(app, world):
    with app.app_context():
        for application_id in world["large"][:5]:
            _add(application_id)
        with pytest.raises(RuleViolation, match="大型企业最多推荐 5 家"):
            _add(world["large"][5])
        _add(world["sme"][0])  # the other list has its own quota
        assert _order() == world["large"][:5] and _order(Scale.SME) == world["sme"][:1]


def test_scale_comes_from_the_application(app, world):
    with app.app_context():
        assert _add(world["sme"][1]).scale == Scale.SME


def test_reorder_and_remove_keep_ranks_continuous(app, world):
    with app.app_context():
        first, second, third = world["large"][:3]
        for application_id in (first, second, third):
            _add(application_id)
        services.move_in_ranking(db.session.get(Application, third), _staff(), -1)
        assert _order() == [first, third, second]
        services.remove_from_ranking(db.session.get(Application, first), _staff())
        assert _order() == [third, second]
        ranks = db.session.scalars(select(RankingEntry.rank).order_by(RankingEntry.rank)).all()
        assert ranks == [1, 2]


def test_a_candidate_sits_in_one_list_once(app, world):
    with app.app_context():
        _add(world["large"][0])
        with pytest.raises(RuleViolation, match="已在推荐名单中"):
            _add(world["large"][0])


def test_ranking_locks_after_submission_and_after_the_deadline(app, world):
    with app.app_context():
        entry = _add(world["large"][0])
        entry.recommendation.submitted_at = utcnow()
        with pytest.raises(RuleViolation, match="已报送"):
            _add(world["large"][1])
        entry.recommendation.submitted_at = None
        campaign = entry.application.campaign
        campaign.opens_at = utcnow() - timedelta(days=3)
        campaign.closes_at = utcnow() - timedelta(days=2)
        campaign.recommend_deadline = utcnow() - timedelta(days=1)
        with pytest.raises(RuleViolation, match="截止"):
            services.move_in_ranking(db.session.get(Application, world["large"][0]), _staff(), +1)


def test_a_ranked_candidate_cannot_be_returned_without_removing_it(app, world):
    with app.app_context():
        _add(world["large"][0])
        with pytest.raises(RuleViolation, match="先从名单中移除"):
            services.return_application(
                db.session.get(Application, world["large"][0]), _staff(), "请补充材料后再提交。"
            )


def test_racing_for_the_last_places_leaves_the_quota(app, world):
    """Two people of one organisation (eight threads) add the 5th, 6th, 7th large candidate at once."""
    with app.app_context():
        for application_id in world["large"][:3]:
            _add(application_id)
        db.session.commit()
    contenders = world["large"][3:7]
    barrier = threading.Barrier(len(contenders))
    outcomes = []

    def racer(application_id, username):
        with app.app_context():
            barrier.wait()
            try:
                services.add_to_ranking(db.session.get(Application, application_id), _staff(username))
                db.session.commit()
                outcomes.append("ok")
            except RuleViolation as error:
                db.session.rollback()
                outcomes.append(str(error))

    threads = [
        threading.Thread(target=racer, args=(application_id, "beijing" if i % 2 else "beijing2"))
        for i, application_id in enumerate(contenders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == len(contenders) and outcomes.count("ok") == 2
    assert all("名单已满" in outcome for outcome in outcomes if outcome != "ok")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RankingEntry)) == 5
        assert sorted(db.session.scalars(select(RankingEntry.rank)).all()) == [1, 2, 3, 4, 5]


def test_ranking_page_with_buttons(client, world):
    login(client, "beijing")
    page = client.get("/recommender/ranking").get_data(as_text=True)
    assert "加入推荐" in page
    client.post(f"/recommender/ranking/{world['large'][0]}/add")
    client.post(f"/recommender/ranking/{world['large'][1]}/add")
    client.post(f"/recommender/ranking/{world['large'][1]}/up")
    page = client.get("/recommender/ranking").get_data(as_text=True)
    assert "1 / 5" not in page and "2 / 5" in page
    assert client.post(f"/recommender/ranking/{world['large'][0]}/explode").status_code == 404


def test_summary_sheet_in_the_official_layout(client, app, world):
    import zipfile
    from io import BytesIO

    import openpyxl

    with app.app_context():
        formula_name = '=HYPERLINK("http://x","y")'
        db.session.get(Application, world["large"][1]).org_name = formula_name
        db.session.get(Application, world["large"][1]).contact_phone = "+86 13800138000"
        for application_id in (world["sme"][0], world["large"][0], world["large"][1]):
            _add(application_id)
        db.session.commit()
    login(client, "beijing")
    response = client.get("/recommender/ranking/summary.xlsx")
    assert response.status_code == 200
    with zipfile.ZipFile(BytesIO(response.data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<hyperlink" not in sheet_xml
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    assert sheet["A1"].value == "附件 2" and sheet["A2"].value == "工业计量标杆示范单位推荐汇总表"
    assert sheet["A3"].value == "推荐单位（盖章）：北京市市场监督管理局"
    assert [cell.value for cell in sheet[4]] == [
        "序号",
        "申报单位名称",
        "企业规模",
        "所处行业",
        "联系人",
        "联系方式",
        "邮箱",
    ]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5, max_row=14)]
    assert [row[0] for row in rows] == [str(number) for number in range(1, 11)]  # always the notice's ten rows
    # 1–5 大型企业, 6–10 中小型企业, empty places blank
    assert [row[2] for row in rows] == ["大型企业", "大型企业", None, None, None, "中小型企业", None, None, None, None]
    assert rows[1][1] == formula_name and sheet["B6"].data_type == "s"
    assert rows[1][5] == "+86 13800138000"
    assert sheet.page_setup.paperSize == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage
