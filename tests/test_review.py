"""The ministries' review: rubric, conflict-free assignment, scoring, decisions, publication, pages."""

import importlib
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update

from portal.accounts.models import Role, User
from portal.applications.models import Application, ApplicationStatus
from portal.campaigns import services as campaign_services
from portal.campaigns.models import Campaign
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import local_today
from portal.review import services
from portal.review.models import Assignment, DecisionOutcome, ExpertOpinion, ExpertProfile
from portal.review.scoring import summarise, weighted_total
from tests.conftest import login
from tests.factories import make_campaign, make_expert, make_recommender, make_staff, submitted_list

REGIONS = ("北京市", "上海市", "广东省")


@pytest.fixture
def world(app):
    """Three recommenders (北京, 上海, 广东) with three candidates each; four experts; a reviewer."""
    with app.app_context():
        campaign = make_campaign()
        candidates = {}
        for region in REGIONS:
            recommender = make_recommender(f"{region}市场监督管理局", region=region)
            candidates[region] = [a.id for a in submitted_list(campaign, recommender, 3)]
        reviewer = make_staff(Role.REVIEWER, username="reviewer")
        for number, (region, organisation) in enumerate(
            [("北京市", "北京计量院"), ("上海市", "上海计量院"), ("广东省", "广东计量院"), ("浙江省", "浙江计量院")]
        ):
            make_expert(campaign, f"expert{number}", f"专家{number}", organisation, region, "仪器仪表", reviewer)
        db.session.commit()
        return {"candidates": candidates, "campaign": campaign.id}


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _campaign(world) -> Campaign:
    return db.session.get(Campaign, world["campaign"])


def _expert(username: str) -> ExpertProfile:
    return db.session.scalar(select(ExpertProfile).join(User).where(User.username == username))


def _all_candidates(world) -> list[int]:
    return [application_id for ids in world["candidates"].values() for application_id in ids]


# --- rubric and weighted means ------------------------------------------------------------------


def test_default_rubric_weights_add_up_to_100(app, world):
    with app.app_context():
        criteria = campaign_services.rubric(_campaign(world))
        assert [c.name for c in criteria][:2] == ["过程计量保障", "计量工作有效性"]
        assert sum(c.weight for c in criteria) == 100


@pytest.mark.parametrize(
    "rows, message",
    [
        ([], "至少要有一项"),
        (
            [
                {"name": "A", "weight": Decimal(60), "min_score": 0, "max_score": 100},
                {"name": "B", "weight": Decimal(30), "min_score": 0, "max_score": 100},
            ],
            "之和应为 100，当前为 90",
        ),
        ([{"name": "A", "weight": Decimal(100), "min_score": 10, "max_score": 10}], "最低分 < 最高分"),
        ([{"name": "A", "weight": Decimal(0), "min_score": 0, "max_score": 10}], "权重应大于 0"),
        ([{"name": " ", "weight": Decimal(100), "min_score": 0, "max_score": 10}], "缺少名称"),
    ],
)
def test_rubric_is_validated(rows, message):
    with pytest.raises(RuleViolation, match=message):
        campaign_services.check_rubric(rows)


def test_weighted_mean_on_known_numbers(app, world):
    with app.app_context():
        campaign = _campaign(world)
        criteria = campaign_services.save_rubric(
            campaign,
            [
                {"name": "过程计量保障", "weight": Decimal(60), "min_score": 0, "max_score": 10},
                {"name": "示范推广价值", "weight": Decimal(40), "min_score": 0, "max_score": 20},
            ],
            _user("reviewer"),
        )
        first, second = criteria
        # 60 × 8/10 + 40 × 10/20 = 48 + 20 = 68; and 60 × 10/10 + 40 × 15/20 = 60 + 30 = 90.
        assert weighted_total(criteria, {first.id: Decimal(8), second.id: Decimal(10)}) == Decimal("68.00")
        application = db.session.get(Application, world["candidates"]["北京市"][0])
        for username, values in (("expert1", (8, 10)), ("expert2", (10, 15))):
            assignment = services.assign(application, _expert(username), _user("reviewer"))
            services.save_scores(
                assignment,
                _user(username),
                {first.id: (Decimal(values[0]), "好"), second.id: (Decimal(values[1]), None)},
                ExpertOpinion.RECOMMEND,
                "建议入选",
                submit=True,
            )
        pending = services.assign(application, _expert("expert3"), _user("reviewer"))
        assignments = db.session.scalars(select(Assignment).where(Assignment.application_id == application.id)).all()
        assert [a.total for a in assignments] == [Decimal("68.00"), Decimal("90.00"), None]
        summary = summarise(assignments)
        assert summary.mean == Decimal("79.00") and summary.spread == Decimal("22.00")
        assert [a.id for a in summary.pending] == [pending.id]
        with pytest.raises(RuleViolation, match="专家已开始评分"):
            campaign_services.save_rubric(
                campaign, [{"name": "A", "weight": Decimal(100), "min_score": 0, "max_score": 10}], _user("reviewer")
            )


def test_migration_backfills_the_totals_that_submitting_stores(app, world):
    """Migration 0014 computes the totals of assignments submitted before it in SQL; they must be the
    ones :func:`weighted_total` stores at submission, on both databases."""
    backfill = importlib.import_module("migrations.versions.0014_assignment_total").BACKFILL
    with app.app_context():
        campaign = _campaign(world)
        criteria = campaign_services.save_rubric(
            campaign,
            [
                {"name": "过程计量保障", "weight": Decimal("33.33"), "min_score": 0, "max_score": 10},
                {"name": "示范推广价值", "weight": Decimal("66.67"), "min_score": 5, "max_score": 20},
            ],
            _user("reviewer"),
        )
        application = db.session.get(Application, world["candidates"]["北京市"][0])
        for username, values in (("expert1", ("7", "14")), ("expert2", ("9.5", "18.5"))):
            assignment = services.assign(application, _expert(username), _user("reviewer"))
            scores = {criterion.id: (Decimal(value), None) for criterion, value in zip(criteria, values, strict=True)}
            services.save_scores(assignment, _user(username), scores, ExpertOpinion.RECOMMEND, None, submit=True)
        draft = services.assign(application, _expert("expert3"), _user("reviewer"))
        db.session.commit()
        stored = {a.id: a.total for a in db.session.scalars(select(Assignment).order_by(Assignment.id))}
        # 33.33 × 7/10 + 66.67 × 9/15 = 63.333; 33.33 × 0.95 + 66.67 × 0.9 = 91.6665, rounded half up
        assert list(stored.values()) == [Decimal("63.33"), Decimal("91.67"), None]
        db.session.execute(update(Assignment).values(total=None))
        db.session.execute(text(backfill))
        db.session.expire_all()
        assert {a.id: a.total for a in db.session.scalars(select(Assignment))} == stored
        assert draft.total is None


def test_scores_must_be_in_range_and_complete_to_submit(app, world):
    with app.app_context():
        application = db.session.get(Application, world["candidates"]["北京市"][0])
        assignment = services.assign(application, _expert("expert1"), _user("reviewer"))
        criteria = campaign_services.rubric(_campaign(world))
        with pytest.raises(RuleViolation, match="分数应在 0–100 之间"):
            services.save_scores(
                assignment, _user("expert1"), {criteria[0].id: (Decimal(101), None)}, None, None, submit=False
            )
        services.save_scores(
            assignment, _user("expert1"), {criteria[0].id: (Decimal(80), None)}, None, None, submit=False
        )
        with pytest.raises(RuleViolation, match="请为“计量工作有效性”打分"):
            services.save_scores(
                assignment,
                _user("expert1"),
                {criteria[0].id: (Decimal(80), None)},
                ExpertOpinion.RECOMMEND,
                None,
                submit=True,
            )
        with pytest.raises(RuleViolation, match="未分配给您"):
            services.save_scores(assignment, _user("expert2"), {}, None, None, submit=False)


# --- assignment ---------------------------------------------------------------------------------


def test_auto_assignment_avoids_conflicts_and_balances_loads(app, world):
    with app.app_context():
        campaign = _campaign(world)
        beijing_first = db.session.get(Application, world["candidates"]["北京市"][0])
        services.declare_conflict(_expert("expert3"), beijing_first, "曾为该企业提供咨询服务", _user("reviewer"))
        added = services.auto_assign(campaign, 2, _user("reviewer"))
        assignments = db.session.scalars(select(Assignment)).all()
        assert added == len(assignments) == 9 * 2
        for assignment in assignments:
            application, expert = assignment.application, assignment.expert
            assert expert.region != application.province
            assert expert.organisation not in (application.org_name, application.recommender.name)
        assert (beijing_first.id, _expert("expert3").id) not in {(a.application_id, a.expert_id) for a in assignments}
        loads = Counter(a.expert_id for a in assignments)
        assert max(loads.values()) - min(loads.values()) <= 1
        assert all(a.status == ApplicationStatus.UNDER_REVIEW for a in db.session.scalars(select(Application)).all())
        assert services.auto_assign(campaign, 2, _user("reviewer")) == 0  # already covered: nothing added


def test_auto_assignment_refuses_when_conflicts_leave_too_few_experts(app, world):
    with app.app_context():
        with pytest.raises(RuleViolation, match="专家不足 4 人"):
            services.auto_assign(_campaign(world), 4, _user("reviewer"))
        assert db.session.scalar(select(Assignment.id)) is None


def test_manual_assignment_refuses_a_conflict_of_interest(app, world):
    with app.app_context():
        application = db.session.get(Application, world["candidates"]["上海市"][0])
        with pytest.raises(RuleViolation, match="利益冲突.*上海市"):
            services.assign(application, _expert("expert1"), _user("reviewer"))
        services.assign(application, _expert("expert0"), _user("reviewer"))
        with pytest.raises(RuleViolation, match="已分配"):
            services.assign(application, _expert("expert0"), _user("reviewer"))


# --- decisions and publication ------------------------------------------------------------------


def test_decisions_are_revisable_with_a_reason_until_publication(app, world):
    with app.app_context():
        campaign, reviewer = _campaign(world), _user("reviewer")
        ids = _all_candidates(world)
        with pytest.raises(RuleViolation, match="决定理由"):
            services.decide(db.session.get(Application, ids[0]), DecisionOutcome.SELECTED, "", reviewer)
        decision = services.decide(
            db.session.get(Application, ids[0]), DecisionOutcome.SELECTED, "综合得分靠前", reviewer
        )
        services.decide(db.session.get(Application, ids[0]), DecisionOutcome.NOT_SELECTED, "现场核查发现问题", reviewer)
        assert decision.revision == 2 and decision.outcome == DecisionOutcome.NOT_SELECTED
        with pytest.raises(RuleViolation, match="尚未决定"):
            services.publish(campaign, reviewer)
        for application_id in ids[1:]:
            services.decide(
                db.session.get(Application, application_id), DecisionOutcome.SELECTED, "综合得分靠前", reviewer
            )
        # Before publication the enterprise still sees 已推荐.
        assert db.session.get(Application, ids[1]).status == ApplicationStatus.RECOMMENDED
        assert services.publish(campaign, reviewer) == len(ids) - 1
        assert db.session.get(Application, ids[0]).status == ApplicationStatus.NOT_SELECTED
        assert db.session.get(Application, ids[1]).status == ApplicationStatus.SELECTED
        with pytest.raises(RuleViolation, match="已公布"):
            services.decide(db.session.get(Application, ids[1]), DecisionOutcome.NOT_SELECTED, "公布后再改", reviewer)


def test_site_visit_in_the_future_is_refused(app, world):
    with app.app_context():
        application = db.session.get(Application, world["candidates"]["北京市"][0])
        with pytest.raises(RuleViolation, match="不能晚于今天"):
            services.record_site_visit(
                application, local_today() + timedelta(days=1), "张三、李四", "良好", None, _user("reviewer")
            )


# --- pages --------------------------------------------------------------------------------------


def test_expert_sees_only_what_is_assigned(client, app, world):
    with app.app_context():
        beijing, shanghai = world["candidates"]["北京市"][0], world["candidates"]["上海市"][0]
        mine = services.assign(db.session.get(Application, beijing), _expert("expert1"), _user("reviewer")).id
        theirs = services.assign(db.session.get(Application, shanghai), _expert("expert0"), _user("reviewer")).id
        db.session.commit()
    login(client, "expert1")
    page = client.get("/expert/").get_data(as_text=True)
    assert page.count("评分</a>") == 1
    assert client.get(f"/expert/assignments/{mine}").status_code == 200
    assert client.get(f"/expert/assignments/{theirs}").status_code == 404
    assert client.post(f"/expert/assignments/{theirs}", data={"submit": "1"}).status_code == 404
    assert client.get("/review/candidates").status_code == 403
    assert client.get(f"/recommender/applications/{shanghai}").status_code == 403


def test_expert_scores_through_the_page(client, app, world):
    with app.app_context():
        application = db.session.get(Application, world["candidates"]["北京市"][0])
        assignment_id = services.assign(application, _expert("expert1"), _user("reviewer")).id
        criteria = [c.id for c in campaign_services.rubric(_campaign(world))]
        db.session.commit()
    login(client, "expert1")
    data = {f"score_{cid}": "80" for cid in criteria} | {
        f"score_{criteria[0]}": "130",
        "opinion": "recommend",
        "submit": "1",
    }
    response = client.post(f"/expert/assignments/{assignment_id}", data=data)
    assert response.status_code == 422 and "分数应在 0–100 之间" in response.get_data(as_text=True)
    assert 'value="130"' in response.get_data(as_text=True)  # what was typed is kept
    client.post(f"/expert/assignments/{assignment_id}", data=data | {f"score_{criteria[0]}": "90"})
    with app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        assert assignment.submitted_at is not None and len(assignment.scores) == len(criteria)


def test_reviewer_pages_and_public_list(client, app, world):
    ids = _all_candidates(world)
    login(client, "reviewer")
    page = client.get("/review/candidates").get_data(as_text=True)
    assert "共 9 家" in page
    assert "共 3 家" in client.get("/review/candidates?region=上海市").get_data(as_text=True)
    # The recommender filter is a search on its name (a campaign has about 1,250), wildcards taken literally.
    by_recommender = client.get("/review/candidates?recommender=上海市市场").get_data(as_text=True)
    assert "共 3 家" in by_recommender and 'value="上海市市场"' in by_recommender
    assert "共 9 家" in client.get("/review/candidates?recommender=市场监督管理局").get_data(as_text=True)
    assert "共 0 家" in client.get("/review/candidates?recommender=%25").get_data(as_text=True)
    assert client.get(f"/review/candidates/{ids[0]}").status_code == 200
    response = client.post(f"/review/candidates/{ids[0]}/decide", data={"outcome": "selected", "reason": ""})
    assert response.status_code == 422 and "请填写决定理由" in response.get_data(as_text=True)
    for application_id in ids:
        client.post(
            f"/review/candidates/{application_id}/decide", data={"outcome": "selected", "reason": "综合评审通过"}
        )
    assert client.post("/review/publish", data={}).status_code == 422
    client.post("/review/publish", data={"confirm": "y"})
    client.post("/account/logout")
    public = client.get("/units")
    text = public.get_data(as_text=True)
    assert public.status_code == 200 and "北京市市场监督管理局" in text
    assert f"{local_today().year}年度工业计量标杆示范单位名单" in text  # the announcement's title, as in the workbook
    with app.app_context():
        application = db.session.get(Application, ids[0])
        assert application.org_name in text
        assert application.contact_phone not in text and application.contact_email not in text


def test_the_navigation_marks_the_section_of_the_page(client, world):
    """One link of the bar has aria-current: the longest whose path begins the page's."""
    login(client, "reviewer")
    application_id = world["candidates"]["北京市"][0]
    for path, section in (
        ("/review/", "总览"),
        ("/review/candidates?region=北京市", "候选单位"),
        (f"/review/candidates/{application_id}", "候选单位"),
        ("/review/recommenders", "总览"),
        ("/review/rereviews/", "定期复核"),
        ("/units", "示范单位名单"),
    ):
        page = client.get(path).get_data(as_text=True)
        assert page.count('aria-current="page"') == 1, path
        assert re.search(rf'class="nav-link active" href="[^"]*" aria-current="page">{section}<', page), path


def test_candidates_page_queries_do_not_grow_with_rows(client, app, world, count_queries):
    login(client, "reviewer")
    count_queries.clear()
    client.get("/review/candidates?region=北京市")
    few = len(count_queries)
    count_queries.clear()
    client.get("/review/candidates")
    assert len(count_queries) == few


def test_candidate_page_queries_do_not_grow_with_experts(client, app, world, count_queries):
    """The experts' names (every expert of the campaign is offered) and each assignment's scores: not a query each."""
    application_id = world["candidates"]["北京市"][0]
    with app.app_context():
        reviewer = _user("reviewer")
        for username in ("expert1", "expert2"):
            services.assign(db.session.get(Application, application_id), _expert(username), reviewer)
        db.session.commit()
    login(client, "reviewer")
    count_queries.clear()
    client.get(f"/review/candidates/{application_id}")
    few = len(count_queries)
    with app.app_context():
        campaign, reviewer = _campaign(world), _user("reviewer")
        for number in range(4, 10):
            make_expert(campaign, f"expert{number}", f"专家{number}", "湖南计量院", "湖南省", "仪器仪表", reviewer)
        services.assign(db.session.get(Application, application_id), _expert("expert3"), reviewer)
        db.session.commit()
    count_queries.clear()
    page = client.get(f"/review/candidates/{application_id}")
    assert page.status_code == 200 and "专家9" in page.get_data(as_text=True)
    assert len(count_queries) == few


def test_rubric_page_edits_the_criteria(client, app, world):
    login(client, "reviewer")
    page = client.get("/review/rubric").get_data(as_text=True)
    assert 'value="过程计量保障"' in page and 'name="criteria-5-name"' in page  # five defaults and a blank line
    rows = {
        "criteria-0-name": "计量保障",
        "criteria-0-weight": "70",
        "criteria-0-min_score": "0",
        "criteria-0-max_score": "10",
        "criteria-1-name": "示范价值",
        "criteria-1-weight": "20",
        "criteria-1-min_score": "0",
        "criteria-1-max_score": "10",
        "criteria-2-name": "",
        "criteria-2-weight": "",
    }
    response = client.post("/review/rubric", data=rows)
    assert response.status_code == 422 and "之和应为 100，当前为 90" in response.get_data(as_text=True)
    assert 'value="计量保障"' in response.get_data(as_text=True)  # nothing typed is lost
    assert client.post("/review/rubric", data=rows | {"criteria-1-weight": "30"}).status_code == 302
    with app.app_context():
        assert [(c.name, c.weight, c.max_score) for c in campaign_services.rubric(_campaign(world))] == [
            ("计量保障", Decimal(70), 10),
            ("示范价值", Decimal(30), 10),
        ]


def test_dashboard_reads_in_a_fixed_number_of_queries(client, app, world, count_queries):
    login(client, "reviewer")
    count_queries.clear()
    page = client.get("/review/").get_data(as_text=True)
    assert "候选单位" in page and "自我检查表各项符合率" in page and "<svg" in page
    assert "北京市" in page and "9" in page
    first = len(count_queries)
    with app.app_context():  # three more candidates from another province
        submitted_list(_campaign(world), make_recommender("四川省市场监督管理局", region="四川省"), 3)
        db.session.commit()
    count_queries.clear()
    assert "四川省" in client.get("/review/").get_data(as_text=True)
    assert len(count_queries) == first


def test_candidate_page_keeps_the_history_of_decisions(client, app, world):
    application_id = world["candidates"]["北京市"][0]
    login(client, "reviewer")
    client.post(f"/review/candidates/{application_id}/decide", data={"outcome": "selected", "reason": "综合得分靠前"})
    client.post(
        f"/review/candidates/{application_id}/decide", data={"outcome": "not_selected", "reason": "现场核查发现问题"}
    )
    page = client.get(f"/review/candidates/{application_id}").get_data(as_text=True)
    assert "决定记录（2 次）" in page and "入选（综合得分靠前）" in page and "未入选（现场核查发现问题）" in page
    assert "第 2 次修改" in page
