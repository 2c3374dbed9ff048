"""Bulk decisions on the candidates list: choose by ticking rows or by rule, preview, decide all or nothing."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.applications.models import Application
from portal.audit import AuditEntry
from portal.campaigns import services as campaign_services
from portal.campaigns.models import Campaign, Scale
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import local_today
from portal.review import services
from portal.review.candidates import candidate_rows, rows_with_mean_at_least, top_by_mean_per_scale
from portal.review.models import Decision, DecisionOutcome, ExpertOpinion
from tests.conftest import login
from tests.factories import (
    PASSWORD,
    make_campaign,
    make_expert,
    make_recommender,
    make_staff,
    submitted_application,
    submitted_list,
)

REGIONS = ("北京市", "上海市", "广东省")
# Mean scores by region, in each recommender's order (scales: large, SME, large).
SCORES = {"北京市": (92, 70, 85), "上海市": (85, 88, None), "广东省": (60, 75, 90)}


@pytest.fixture
def world(app):
    """Nine candidates from three provinces, scored by one expert from 浙江省 (no conflict) as in SCORES."""
    with app.app_context():
        campaign = make_campaign()
        reviewer = make_staff(Role.REVIEWER, username="reviewer")
        expert = make_expert(campaign, "expert-zj", "专家浙江", "浙江计量院", "浙江省", None, reviewer)
        criteria = campaign_services.rubric(campaign)
        candidates = {}
        for region in REGIONS:
            recommender = make_recommender(f"{region}市场监督管理局", region=region)
            candidates[region] = [a.id for a in submitted_list(campaign, recommender, 3)]
            for application_id, score in zip(candidates[region], SCORES[region], strict=True):
                if score is None:
                    continue
                assignment = services.assign(db.session.get(Application, application_id), expert, reviewer)
                values = {criterion.id: (Decimal(score), None) for criterion in criteria}
                services.save_scores(assignment, expert.user, values, ExpertOpinion.RECOMMEND, None, submit=True)
        stray = submitted_application(campaign, make_recommender("江苏省市场监督管理局", region="江苏省"))
        db.session.commit()
        return {"candidates": candidates, "campaign": campaign.id, "stray": stray.id}


def _reviewer() -> User:
    return db.session.scalar(select(User).where(User.username == "reviewer"))


def _campaign(world) -> Campaign:
    return db.session.get(Campaign, world["campaign"])


def _ids(world) -> list[int]:
    return [application_id for ids in world["candidates"].values() for application_id in ids]


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _decisions() -> int:
    return db.session.scalar(select(func.count()).select_from(Decision))


# --- the service --------------------------------------------------------------------------------


def test_each_candidate_is_decided_and_audited_as_if_one_by_one(app, world):
    with app.app_context():
        campaign, reviewer = _campaign(world), _reviewer()
        ids = world["candidates"]["北京市"]
        decisions = services.decide_many(campaign, ids, DecisionOutcome.SELECTED, "综合得分靠前", reviewer)
        assert [d.application_id for d in decisions] == ids
        assert all(d.outcome == DecisionOutcome.SELECTED and d.reason == "综合得分靠前" for d in decisions)
        entries = _audit("review.decide")
        assert [(e.object_type, e.object_id) for e in entries] == [("Application", i) for i in ids]
        assert all(e.detail == {"outcome": "selected", "previous": None, "reason": "综合得分靠前"} for e in entries)
        assert all(e.user_id == reviewer.id for e in entries)
        (batch,) = _audit("review.decide_many")
        assert batch.object_type == "Campaign" and batch.detail["applications"] == ids

        # Revisable as before: a second batch is a revision of each.
        services.decide_many(campaign, ids[:2], DecisionOutcome.NOT_SELECTED, "现场核查发现问题", reviewer)
        revised = {d.application_id: d for d in db.session.scalars(select(Decision))}
        assert [revised[i].revision for i in ids] == [2, 2, 1]
        assert revised[ids[0]].outcome == DecisionOutcome.NOT_SELECTED
        assert _audit("review.decide")[-1].detail["previous"] == "selected"


def test_one_refusal_refuses_the_whole_batch_with_the_candidates_name(app, world):
    with app.app_context():
        campaign, reviewer = _campaign(world), _reviewer()
        stray = db.session.get(Application, world["stray"])
        with pytest.raises(RuleViolation, match=f"{stray.display_name}：该申报书不在推荐名单中.*整批未记录"):
            services.decide_many(campaign, [*_ids(world), stray.id], DecisionOutcome.SELECTED, "综合评审通过", reviewer)
        assert _decisions() == 0 and not _audit("review.decide") and not _audit("review.decide_many")
        for ids, reason, message in (
            ([], "综合评审通过", "请先选择"),
            ([_ids(world)[0], 999999], "综合评审通过", "1 家不是本批次的候选单位"),
            (_ids(world), "好", "决定理由"),
        ):
            with pytest.raises(RuleViolation, match=message):
                services.decide_many(campaign, ids, DecisionOutcome.SELECTED, reason, reviewer)
        assert _decisions() == 0


def test_candidates_of_another_campaign_are_refused(app, world):
    with app.app_context():
        other = make_campaign(name="另一批次", year=2030)
        with pytest.raises(RuleViolation, match="不是本批次"):
            services.decide_many(other, _ids(world)[:1], DecisionOutcome.SELECTED, "综合评审通过", _reviewer())


def test_bulk_decisions_are_refused_after_publication(app, world):
    with app.app_context():
        campaign, reviewer = _campaign(world), _reviewer()
        services.decide_many(campaign, _ids(world), DecisionOutcome.SELECTED, "综合评审通过", reviewer)
        services.publish(campaign, reviewer)
        with pytest.raises(RuleViolation, match="已公布"):
            services.decide_many(campaign, _ids(world)[:1], DecisionOutcome.NOT_SELECTED, "公布后再改", reviewer)


# --- the rules ----------------------------------------------------------------------------------


def test_rules_mean_at_least_and_each_scales_top_n(app, world):
    with app.app_context():
        campaign, today = _campaign(world), local_today()
        beijing, shanghai, guangdong = (world["candidates"][region] for region in REGIONS)
        rows = candidate_rows(campaign, {}, today)
        assert len(rows) == 9
        assert {r.application.id for r in rows_with_mean_at_least(rows, Decimal("85"))} == {
            beijing[0],
            beijing[2],
            shanghai[0],
            shanghai[1],
            guangdong[2],
        }
        # Large: 北京 92, 85; 上海 85, unscored; 广东 60, 90. SME: 北京 70, 上海 88, 广东 75.
        chosen, ties = top_by_mean_per_scale(rows, 2)
        large = {r.application.id for r in chosen if r.application.scale == Scale.LARGE}
        sme = {r.application.id for r in chosen if r.application.scale == Scale.SME}
        assert large == {beijing[0], guangdong[2]} and sme == {shanghai[1], guangdong[1]}
        assert ties == []
        chosen, ties = top_by_mean_per_scale(rows, 3)  # the third large place: 北京 85 and 上海 85 tie
        assert len([r for r in chosen if r.application.scale == Scale.LARGE]) == 3 and len(ties) == 1
        # Rules work on the filtered list.
        only_beijing = candidate_rows(campaign, {"region": "北京市"}, today)
        assert {r.application.id for r in rows_with_mean_at_least(only_beijing, Decimal("80"))} == {
            beijing[0],
            beijing[2],
        }


# --- the pages ----------------------------------------------------------------------------------


def test_list_shows_bulk_controls_and_the_legend(client, world):
    login(client, "reviewer")
    page = client.get("/review/candidates").get_data(as_text=True)
    assert 'id="bulk-form"' in page and page.count("data-bulk-row") == 9 and "data-bulk-all" in page
    assert "均分 ≥" in page and "各规模均分前" in page and "预览批量决定" in page
    assert 'id="flag-legend"' in page and "认证无证" in page and "证书失效" in page
    assert "状态有效且今天仍在有效期内的证书" in page


def test_preview_changes_nothing_and_counts_per_scale_and_region(client, app, world):
    login(client, "reviewer")
    ids = world["candidates"]["北京市"] + world["candidates"]["上海市"][:1]
    response = client.post(
        "/review/candidates/bulk/preview", data={"rule": "rows", "ids": [str(i) for i in ids], "outcome": "selected"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "批量决定预览：4 家记为「入选」" in page
    assert "按规模" in page and "按地区" in page and "尚未记录任何决定" in page
    assert re.search(r"<td>北京市</td><td class=\"text-end\">3</td>", page)
    assert re.search(r"<td>上海市</td><td class=\"text-end\">1</td>", page)
    assert re.search(r"<td>大型</td><td class=\"text-end\">3</td>", page)
    with app.app_context():
        assert _decisions() == 0 and not _audit("review.decide")
        names = [db.session.get(Application, i).org_name for i in ids]
    assert all(name in page for name in names)


def test_preview_by_rule_on_the_filtered_list(client, app, world):
    login(client, "reviewer")
    data = {"rule": "mean", "min_mean": "80", "outcome": "not_selected", "filters": "region=北京市&sort=score"}
    page = client.post("/review/candidates/bulk/preview", data=data).get_data(as_text=True)
    assert "2 家记为「未入选」" in page
    data = {"rule": "top", "top_n": "1", "outcome": "selected"}
    page = client.post("/review/candidates/bulk/preview", data=data).get_data(as_text=True)
    assert "2 家记为「入选」" in page  # the best large and the best SME candidate
    with app.app_context():
        assert db.session.get(Application, world["candidates"]["北京市"][0]).org_name in page
    response = client.post("/review/candidates/bulk/preview", data={"rule": "mean", "outcome": "selected"})
    assert response.status_code == 302
    assert "请填写均分下限" in client.get(response.location).get_data(as_text=True)


def test_decide_from_the_preview(client, app, world):
    login(client, "reviewer")
    ids = world["candidates"]["广东省"]
    data = {"ids": ",".join(map(str, ids)), "outcome": "selected", "filters": "region=广东省"}
    response = client.post("/review/candidates/bulk/decide", data=data | {"reason": "短"})
    assert response.status_code == 422 and "决定理由应为" in response.get_data(as_text=True)
    response = client.post("/review/candidates/bulk/decide", data=data | {"reason": "专家评审意见一致"})
    assert response.status_code == 302 and response.location.endswith(
        "/review/candidates?region=%E5%B9%BF%E4%B8%9C%E7%9C%81"
    )
    assert "已将 3 家候选记为入选" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        assert _decisions() == 3 and len(_audit("review.decide")) == 3
    page = client.get(f"/review/candidates/{ids[0]}").get_data(as_text=True)
    assert "专家评审意见一致" in page and "第 2 次修改" not in page
    # A second batch is a revision, shown in the candidate's history like one taken on its page.
    client.post("/review/candidates/bulk/decide", data=data | {"outcome": "not_selected", "reason": "复核后不入选"})
    page = client.get(f"/review/candidates/{ids[0]}").get_data(as_text=True)
    assert "决定记录（2 次）" in page and "入选（专家评审意见一致）" in page and "未入选（复核后不入选）" in page


def test_a_refused_batch_shows_the_name_and_records_nothing(client, app, world):
    login(client, "reviewer")
    ids = [*world["candidates"]["北京市"], world["stray"]]
    data = {"ids": ",".join(map(str, ids)), "outcome": "selected", "reason": "专家评审意见一致"}
    response = client.post("/review/candidates/bulk/decide", data=data)
    assert response.status_code in (302, 422)
    with app.app_context():
        assert _decisions() == 0 and not _audit("review.decide")


@pytest.mark.parametrize(
    "ids", ["abc", "1;DROP TABLE decision", "99999999999999999999", "-1", "１", "0x10", "999999", "", "\x00"]
)
def test_garbage_ids_never_give_a_500(client, app, world, ids):
    login(client, "reviewer")
    preview = client.post("/review/candidates/bulk/preview", data={"rule": "rows", "ids": ids, "outcome": "selected"})
    assert preview.status_code in (302, 400)  # a NUL byte is refused before any view
    decide = client.post(
        "/review/candidates/bulk/decide", data={"ids": ids, "outcome": "selected", "reason": "专家评审意见一致"}
    )
    assert decide.status_code in (302, 400, 422)
    with app.app_context():
        assert _decisions() == 0
    # A real id with a tampered outcome, rule or filters: refused or ignored, never a 500.
    for bad in ({"outcome": "maybe"}, {"rule": "everything"}, {"filters": "%ZZ&&==&region=" + "x" * 500}):
        data = {"rule": "rows", "ids": "1", "outcome": "selected", "reason": "专家评审意见一致"} | bad
        assert client.post("/review/candidates/bulk/preview", data=data).status_code in (200, 302)
        assert client.post("/review/candidates/bulk/decide", data=data).status_code in (302, 422)


def test_bulk_forms_need_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        campaign = make_campaign()
        make_staff(Role.REVIEWER, username="reviewer")
        ids = [a.id for a in submitted_list(campaign, make_recommender("北京市市场监督管理局"), 2)]
        db.session.commit()
    client = app.test_client()
    login_page = client.get("/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/account/login", data={"csrf_token": token, "username": "reviewer", "password": PASSWORD})
    page = client.get("/review/candidates").get_data(as_text=True)
    match = re.search(r'id="bulk-form".*?name="csrf_token" type="hidden" value="([^"]+)"', page, re.S)
    assert match, "the bulk form carries a CSRF token"
    data = {"rule": "rows", "ids": [str(i) for i in ids], "outcome": "selected"}
    assert client.post("/review/candidates/bulk/preview", data=data).status_code == 400
    preview = client.post("/review/candidates/bulk/preview", data=data | {"csrf_token": match.group(1)})
    assert preview.status_code == 200
    decide_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', preview.get_data(as_text=True))
    decide = {"ids": ",".join(map(str, ids)), "outcome": "selected", "reason": "专家评审意见一致"}
    assert client.post("/review/candidates/bulk/decide", data=decide).status_code == 400
    assert (
        client.post("/review/candidates/bulk/decide", data=decide | {"csrf_token": decide_token.group(1)}).status_code
        == 302
    )
    with app.app_context():
        assert _decisions() == 2


def test_after_publication_the_list_has_no_bulk_form_and_a_post_is_refused(client, app, world):
    with app.app_context():
        campaign, reviewer = _campaign(world), _reviewer()
        services.decide_many(campaign, _ids(world), DecisionOutcome.SELECTED, "综合评审通过", reviewer)
        services.publish(campaign, reviewer)
        db.session.commit()
    login(client, "reviewer")
    assert 'id="bulk-form"' not in client.get("/review/candidates").get_data(as_text=True)
    data = {"ids": str(_ids(world)[0]), "outcome": "not_selected", "reason": "公布后再改一次"}
    response = client.post("/review/candidates/bulk/decide", data=data)
    assert response.status_code == 422 and "名单已公布" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Decision.revision).where(Decision.application_id == _ids(world)[0])) == 1


def test_preview_names_ties_at_the_cut_and_leaves_out_unknown_ids(client, app, world):
    login(client, "reviewer")
    page = client.post(
        "/review/candidates/bulk/preview", data={"rule": "top", "top_n": "3", "outcome": "selected"}
    ).get_data(as_text=True)
    assert "与最后一名均分相同而未选入的" in page  # 北京 85 and 上海 85 share the third large place
    ids = [str(world["candidates"]["北京市"][0]), "999999", str(world["stray"])]
    page = client.post(
        "/review/candidates/bulk/preview", data={"rule": "rows", "ids": ids, "outcome": "selected"}
    ).get_data(as_text=True)
    assert "1 家记为「入选」" in page and "所选的 2 项不是本批次的候选单位，已略去" in page
