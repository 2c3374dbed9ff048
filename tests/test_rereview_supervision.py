"""定期复核 as supervision is practised: 限期整改 and the overdue rule, the on-site sample (size, inclusion,
reproducibility, the raised rate), reminders, downloads, a unit's history and the 定期复核 sheet."""

import os
from datetime import timedelta
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import case, select

from portal.accounts.models import Role, User
from portal.applications.models import Application
from portal.campaigns.models import Campaign, SampleSettings
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import local_today, utcnow
from portal.exports.national_workbook import write_national_workbook
from portal.files import can_download
from portal.notifications.models import Notification
from portal.notifications.services import remind_deadlines
from portal.rereview import services as rereview
from portal.rereview.models import (
    ReReview,
    ReReviewConclusion,
    ReReviewOutcome,
    ReReviewRound,
    ReReviewState,
    SampleReason,
)
from portal.rereview.sampling import draw_sample, sample_size
from portal.rereview.services import published_units
from portal.rereview.statistics import round_figures
from portal.review import services as review_services
from portal.review.models import DecisionOutcome
from portal.selfcheck import SELF_CHECK_CODES
from tests.conftest import login
from tests.factories import PDF_BYTES, make_campaign, make_recommender, make_staff, submitted_list, upload

UNITS = 4


@pytest.fixture
def world(app):
    """A published campaign with four units, a reviewer, and a round closed yesterday (all units submitted)."""
    with app.app_context():
        campaign = make_campaign()
        reviewer = make_staff(Role.REVIEWER, username="reviewer")
        recommender = make_recommender("上海市市场监督管理局", region="上海市")
        applications = submitted_list(campaign, recommender, UNITS, username="shanghai")
        for application in applications:
            review_services.decide(application, DecisionOutcome.SELECTED, "综合评审意见", reviewer)
        review_services.publish(campaign, reviewer)
        review_round = _open(reviewer, "2027年度定期复核")
        for review in review_round.reviews:
            rereview.submit(review, _unit(review))
        db.session.commit()
        return {"campaign": campaign.id, "round": review_round.id, "units": [a.id for a in applications]}


def _open(reviewer, name, **kwargs):
    return rereview.open_round(name, utcnow() - timedelta(days=30), utcnow() + timedelta(days=30), reviewer, **kwargs)


def _close(review_round):
    review_round.opens_at, review_round.closes_at = utcnow() - timedelta(days=40), utcnow() - timedelta(days=1)


def _unit(review: ReReview) -> User:
    return db.session.scalar(select(User).where(User.enterprise_id == review.application.enterprise_id))


def _reviewer() -> User:
    return db.session.scalar(select(User).where(User.username == "reviewer"))


def _reviews() -> list[ReReview]:
    return list(db.session.scalars(select(ReReview).order_by(ReReview.application_id)))


def _check(review, passed=True):
    rereview.record_on_site_check(review, local_today(), "复核检查组", "计量标准溯源有效", passed, None, _reviewer())


def _checked_reviews() -> list[ReReview]:
    """Every unit of the first round, the sampled ones checked (passed)."""
    reviews = _reviews()
    for review in reviews:
        if review.sample:
            _check(review)
    return reviews


def _close_and_keep(review_round):
    """The round closed and every unit kept (the sampled ones checked first): the next round may open."""
    _close(review_round)
    for review in review_round.reviews:
        if review.sample:
            _check(review)
        rereview.conclude(review, ReReviewOutcome.KEEP, "计量管理持续有效", None, _reviewer())


# --- the three conclusions and the overdue rule ---------------------------------------------------------


def test_keep_rectify_then_keep_and_overdue_then_revoke(app, world):
    with app.app_context():
        kept, rectified, overdue, _ = _checked_reviews()
        reviewer, now = _reviewer(), utcnow()
        rereview.conclude(kept, ReReviewOutcome.KEEP, "计量管理持续有效", None, reviewer)
        with pytest.raises(RuleViolation, match="整改期限应晚于现在"):
            rereview.order_rectification(rectified, "补充计量确认记录", now - timedelta(hours=1), reviewer)
        rereview.order_rectification(rectified, "补充计量确认记录", now + timedelta(days=10), reviewer)
        rereview.order_rectification(overdue, "更新计量标准溯源证书", now + timedelta(days=3), reviewer)
        assert rectified.state_at(now) == ReReviewState.RECTIFYING
        message = db.session.scalar(
            select(Notification.message)
            .where(Notification.user_id == _unit(rectified).id)
            .order_by(Notification.id.desc())
        )
        assert "整改要求：补充计量确认记录" in message
        # Neither a second order nor a conclusion before the report or the deadline.
        with pytest.raises(RuleViolation, match="已责令限期整改"):
            rereview.order_rectification(rectified, "再次整改的要求", now + timedelta(days=20), reviewer)
        with pytest.raises(RuleViolation, match="未到"):
            rereview.conclude(rectified, ReReviewOutcome.KEEP, "整改到位的结论", None, reviewer)
        # The unit reports in time; then the reviewer keeps it.
        rereview.report_rectification(rectified, _unit(rectified), "已补充记录", upload(), None)
        assert rectified.state_at(now) == ReReviewState.RECTIFIED
        with pytest.raises(RuleViolation, match="已于"):
            rereview.report_rectification(rectified, _unit(rectified), "再交一次", upload(), None)
        rereview.conclude(rectified, ReReviewOutcome.KEEP, "整改到位，保持称号", None, reviewer)
        assert rectified.state_at(now) == ReReviewState.KEPT and not rectified.kept_without_rectification
        assert kept.kept_without_rectification
        # The other misses its deadline: overdue (computed, not stored), no report any more, then revoked.
        later = overdue.rectification_deadline + timedelta(minutes=1)
        assert overdue.is_overdue(later) and overdue.state_at(later) == ReReviewState.OVERDUE
        assert not overdue.is_overdue(overdue.rectification_deadline - timedelta(minutes=1))
        overdue.rectification_deadline = now - timedelta(minutes=1)
        with pytest.raises(RuleViolation, match="届满"):
            rereview.report_rectification(overdue, _unit(overdue), "迟交的报告", upload(), None)
        assert round_figures(utcnow())[0].overdue == 1
        with pytest.raises(RuleViolation, match="逾期未整改，不能保持"):
            rereview.conclude(overdue, ReReviewOutcome.KEEP, "保持称号的理由", None, reviewer)
        rereview.conclude(overdue, ReReviewOutcome.REVOKE, "逾期未整改，撤销称号", None, reviewer)
        figures = round_figures(utcnow())[0]
        assert (figures.kept, figures.kept_plain, figures.rectify, figures.revoked, figures.overdue) == (2, 1, 2, 1, 0)
        assert overdue.application not in published_units()


def test_a_sampled_unit_is_checked_before_its_conclusion_and_a_failed_check_is_rectified_first(app, world):
    with app.app_context():
        sampled = next(review for review in _reviews() if review.sample)
        reviewer = _reviewer()
        with pytest.raises(RuleViolation, match="请先记录现场检查结果"):
            rereview.conclude(sampled, ReReviewOutcome.KEEP, "计量管理持续有效", None, reviewer)
        _check(sampled, passed=False)
        assert sampled.why_not_conclude(ReReviewConclusion.KEEP, utcnow()) == "现场检查不合格，应先责令限期整改。"
        assert sampled.why_not_conclude(ReReviewConclusion.REVOKE, utcnow()) is None
        rereview.order_rectification(sampled, "整改现场检查发现的问题", utcnow() + timedelta(days=5), reviewer)
        rereview.report_rectification(sampled, _unit(sampled), "", upload(), None)
        rereview.conclude(sampled, ReReviewOutcome.KEEP, "整改后复查合格", None, reviewer)
        with pytest.raises(RuleViolation, match="不能再记录现场检查"):
            _check(sampled)


def test_a_unit_that_did_not_submit_is_ordered_to_rectify_only_after_the_round(app, world):
    with app.app_context():
        review = _reviews()[0]
        review.submitted_at = None
        with pytest.raises(RuleViolation, match="尚未提交"):
            rereview.order_rectification(review, "补交复核材料", utcnow() + timedelta(days=5), _reviewer())


# --- the sample ------------------------------------------------------------------------------------------


def test_sample_size_and_who_is_always_in():
    ids = list(range(101, 201))
    drawn = draw_sample(ids, {150, 177}, 10, seed=7)
    assert len(drawn) == 10 and {150, 177} <= drawn and drawn <= set(ids)
    assert sample_size(7, 10) == 1 and len(draw_sample(ids[:7], set(), 10, seed=1)) == 1  # rounded up
    assert draw_sample(ids[:10], {101, 102, 103}, 10, seed=1) == {101, 102, 103}  # more to check than the rate
    assert draw_sample(ids, set(), 100, seed=3) == set(ids)
    assert draw_sample(ids, set(), 20, seed=5) != draw_sample(ids, set(), 20, seed=6)


def test_the_draw_is_reproduced_from_the_recorded_seed(app, world):
    with app.app_context():
        review_round = db.session.get(ReReview, _reviews()[0].id).round
        recorded = {r.application_id for r in review_round.reviews if r.sample}
        assert review_round.sample_rate == 10 and review_round.sample_seed is not None
        assert len(recorded) == sample_size(UNITS, 10) == 1
        assert rereview.redraw_sample(review_round) == recorded
        ids = sorted(world["units"], reverse=True)  # the order the units come in does not matter
        assert draw_sample(ids, set(), 10, review_round.sample_seed) == recorded
        unit_name = db.session.get(Application, next(iter(recorded))).display_name
    result = app.test_cli_runner().invoke(args=["rereview-sample", str(world["round"])])
    assert result.exit_code == 0 and "与记录一致" in result.output and unit_name in result.output
    assert f"种子 {review_round.sample_seed}" in result.output


def test_the_rate_rises_when_too_few_were_kept_without_rectification(app, world):
    with app.app_context():
        reviewer = _reviewer()
        first, second, third, fourth = _checked_reviews()
        _close(first.round)
        for review in (first, second, third):
            rereview.conclude(review, ReReviewOutcome.KEEP, "计量管理持续有效", None, reviewer)
        rereview.order_rectification(fourth, "完善计量管理制度", utcnow() + timedelta(days=5), reviewer)
        with pytest.raises(RuleViolation, match="还有 1 家单位尚未作出保持或撤销的结论"):
            _open(reviewer, "2028年度定期复核")
        rereview.report_rectification(fourth, _unit(fourth), "已完善制度", upload(), None)
        rereview.conclude(fourth, ReReviewOutcome.KEEP, "整改到位，保持称号", None, reviewer)
        assert round_figures(utcnow())[0].kept_share == 0.75  # below 98 %
        default = rereview.sample_default()
        assert default.rate == 20 and "75.0%" in default.note and "提高到 20%" in default.note
        with pytest.raises(RuleViolation, match="20%–100%"):
            _open(reviewer, "2029年度定期复核", sample_rate=10)
        later = _open(reviewer, "2029年度定期复核")
        assert later.sample_rate == 20 and "提高到 20%" in later.sample_note
        reasons = {r.application_id: r.sample for r in later.reviews}
        assert reasons[fourth.application_id] == SampleReason.RECTIFIED_BEFORE  # always checked again
        assert sum(1 for reason in reasons.values() if reason) == sample_size(UNITS, 20)
        assert rereview.redraw_sample(later) == {a for a, reason in reasons.items() if reason}


def test_a_new_round_waits_until_the_last_one_is_closed_and_concluded(client, app, world):
    """Overlapping rounds left a unit unable to submit the first, and the sample rate read partial conclusions."""
    with app.app_context():
        reviewer = _reviewer()
        with pytest.raises(RuleViolation, match="截止后方可开启新的复核"):
            _open(reviewer, "2028年度定期复核")
        *concluded, pending = _checked_reviews()
        _close(pending.round)
        for review in concluded:
            rereview.conclude(review, ReReviewOutcome.KEEP, "计量管理持续有效", None, reviewer)
        with pytest.raises(RuleViolation, match="还有 1 家单位尚未作出保持或撤销的结论"):
            _open(reviewer, "2028年度定期复核")
        db.session.commit()
    login(client, "reviewer")
    page = client.get("/review/rereviews/").get_data(as_text=True)
    assert "还有 1 家单位尚未作出保持或撤销的结论" in page and 'name="sample_rate"' not in page
    assert f"全部 {UNITS} 家已公布" in page


def test_the_rates_are_the_campaigns_settings(app, world):
    assert SampleSettings().rate_after(None) == 10
    assert SampleSettings().rate_after(0.98) == 10 and SampleSettings().rate_after(0.979) == 20
    with app.app_context():
        campaign = db.session.get(Campaign, world["campaign"])
        campaign.rereview_sample_rate = 30
        assert rereview.sample_default().rate == 30
    assert SampleSettings(rate=30, raised_rate=20).rate_after(0.5) == 30  # raising never lowers


# --- reminders and files ---------------------------------------------------------------------------------


def test_the_deadline_reminder_goes_out_n_days_before_once_a_day(app, world):
    with app.app_context():
        soon, later = _checked_reviews()[:2]
        _close(soon.round)
        rereview.order_rectification(soon, "补充计量确认记录", utcnow() + timedelta(days=2), _reviewer())
        rereview.order_rectification(later, "补充计量确认记录", utcnow() + timedelta(days=9), _reviewer())
        assert remind_deadlines(None, 3) == len([_unit(soon)])
        assert remind_deadlines(None, 3) == 0  # once a day
        messages = db.session.scalars(select(Notification.message).where(Notification.user_id == _unit(soon).id))
        assert any(message.startswith("整改期限将于") for message in messages)
        assert not db.session.scalar(
            select(Notification.id).where(
                Notification.user_id == _unit(later).id, Notification.message.startswith("整改期限将于")
            )
        )


def test_the_rectification_report_is_for_the_unit_and_the_ministries_only(app, world):
    with app.app_context():
        review = _checked_reviews()[0]
        rereview.order_rectification(review, "补充计量确认记录", utcnow() + timedelta(days=5), _reviewer())
        rereview.report_rectification(review, _unit(review), "", upload(), None)
        check = rereview.record_on_site_check(review, local_today(), "检查组", "发现", True, upload(), _reviewer())
        recommender = db.session.scalar(select(User).where(User.username == "shanghai"))
        other_unit = _unit(_reviews()[1])
        report = review.rectification_report
        assert can_download(_unit(review), report) and can_download(_reviewer(), report)
        assert not can_download(recommender, report) and not can_download(other_unit, report)
        assert not can_download(_unit(review), check.report_file)


# --- pages -----------------------------------------------------------------------------------------------


def test_a_round_through_the_pages(client, app, world):
    with app.app_context():
        review = next(r for r in _reviews() if not r.sample)
        review_id, unit_login = review.id, _unit(review).username
        sampled_id = next(r.id for r in _reviews() if r.sample)
    login(client, "reviewer")
    page = client.get(f"/review/rereviews/{world['round']}").get_data(as_text=True)
    assert "rereview-sample" in page and "随机种子" in page and "随机抽取" in page
    response = client.post(
        f"/review/rereviews/entry/{review_id}/conclude", data={"outcome": "rectify", "reason": "补充计量确认记录"}
    )
    assert response.status_code == 422 and "限期整改请填写整改期限" in response.get_data(as_text=True)
    assert "补充计量确认记录" in response.get_data(as_text=True)  # the input is kept
    deadline = (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    data = {"outcome": "rectify", "reason": "补充计量确认记录", "deadline": deadline}
    data["evidence"] = (BytesIO(PDF_BYTES), "整改通知书.pdf")  # kept with the order, for the unit to read
    response = client.post(
        f"/review/rereviews/entry/{review_id}/conclude", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    page = client.get(f"/review/rereviews/entry/{sampled_id}").get_data(as_text=True)
    assert "请先记录现场检查结果" in page
    response = client.post(
        f"/review/rereviews/entry/{sampled_id}/on-site-check",
        data={"visited_on": local_today().isoformat(), "team": "复核检查组", "findings": "运行有效", "passed": "no"},
    )
    assert response.status_code == 302
    page = client.get(f"/review/rereviews/entry/{sampled_id}").get_data(as_text=True)
    assert "不合格" in page and "现场检查不合格，应先责令限期整改。" in page

    login(client, unit_login)
    page = client.get("/rereview/").get_data(as_text=True)
    assert "补充计量确认记录" in page and "待整改" in page  # the order, and the badge in the navigation
    assert "整改依据" in page and "整改通知书.pdf" in page
    with app.app_context():
        basis_id = db.session.get(ReReview, review_id).rectification_basis_id
    assert client.get(f"/files/{basis_id}").status_code == 200
    response = client.post("/rereview/rectification", data={"note": "已补充"}, content_type="multipart/form-data")
    assert response.status_code == 422 and "请上传整改报告" in response.get_data(as_text=True)
    response = client.post(
        "/rereview/rectification",
        data={"note": "已补充", "report": (BytesIO(PDF_BYTES), "整改报告.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get("/rereview/history").get_data(as_text=True)
    assert "整改报告.pdf" in page and "2027年度定期复核" in page
    with app.app_context():
        assert db.session.get(ReReview, review_id).state_at(utcnow()) == ReReviewState.RECTIFIED


def _beside_field(page: str, message: str) -> bool:
    return f'<div class="invalid-feedback d-block">{message}' in page


def test_a_refusal_about_one_input_stands_next_to_it(client, app, world):
    with app.app_context():
        review_id = next(r.id for r in _reviews() if not r.sample)
    login(client, "reviewer")
    past = (utcnow() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = {"outcome": "rectify", "reason": "补充计量确认记录", "deadline": past}
    response = client.post(f"/review/rereviews/entry/{review_id}/conclude", data=data)
    assert response.status_code == 422 and _beside_field(response.get_data(as_text=True), "整改期限应晚于现在。")
    with app.app_context():
        _close_and_keep(_reviews()[0].round)
        db.session.commit()
    data = {"name": "2028年度定期复核", "opens_at": "2028-03-01T09:00", "closes_at": "2028-02-01T09:00"}
    response = client.post("/review/rereviews/", data=data | {"sample_rate": "10"})
    assert response.status_code == 422 and _beside_field(
        response.get_data(as_text=True), "复核截止时间应晚于开始时间。"
    )
    response = client.post("/review/rereviews/", data=data | {"closes_at": "2028-05-01T09:00", "sample_rate": "5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and _beside_field(page, "现场检查抽取比例应在 10%–100% 之间。")
    assert 'value="2028年度定期复核"' in page  # the input is kept


def test_history_of_a_unit_without_answers_compares_with_nothing(client, app, world):
    """An imported earlier unit has no self-check answers in its application."""
    with app.app_context():
        review = _reviews()[0]
        application = review.application
        for answer in list(application.self_check_answers):
            db.session.delete(answer)
        review.answers[0].remark = "本轮新填"
        db.session.commit()
        application_id, review_id = application.id, review.id
    login(client, "reviewer")
    page = client.get(f"/review/rereviews/units/{application_id}").get_data(as_text=True)
    assert "与申报时相比" in page and page.count("<tr><td>") == len(SELF_CHECK_CODES)  # every answer is new
    assert client.get(f"/review/rereviews/entry/{review_id}").status_code == 200
    assert client.get("/review/rereviews/units/999999").status_code == 404


def test_the_rereview_sheet(app, world):
    with app.app_context():
        kept, rectified = _checked_reviews()[:2]
        rereview.conclude(kept, ReReviewOutcome.KEEP, "计量管理持续有效", None, _reviewer())
        deadline = utcnow() + timedelta(days=10)
        rereview.order_rectification(rectified, '=HYPERLINK("http://x","补充")', deadline, _reviewer())
        db.session.commit()
        path = write_national_workbook(db.session.get(Campaign, world["campaign"]))
        names = {r.application_id: r.application.org_name for r in _reviews()}
        sampled = {r.application.org_name for r in _reviews() if r.sample}
    try:
        sheet = openpyxl.load_workbook(path)["定期复核"]
        headers = [cell.value for cell in sheet[1]]
        assert headers == [
            "单位名称",
            "所在地区",
            "入选批次",
            "复核轮数",
            "最近一轮",
            "本轮状态",
            "最近结论",
            "整改要求",
            "整改期限",
            "抽中现场检查",
            "现场检查结果",
        ]
        rows = {row[0]: dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert set(rows) == set(names.values())
        kept_row, rectified_row = rows[names[kept.application_id]], rows[names[rectified.application_id]]
        assert (kept_row["本轮状态"], kept_row["最近结论"], kept_row["整改要求"]) == ("保持", "保持", None)
        assert rectified_row["本轮状态"] == "限期整改中" and rectified_row["最近结论"] is None
        assert rectified_row["整改要求"] == '=HYPERLINK("http://x","补充")'  # text, never a formula
        assert abs((rectified_row["整改期限"] - deadline - timedelta(hours=8)).total_seconds()) < 60
        assert {name for name, row in rows.items() if row["抽中现场检查"] == "是"} == sampled
        assert all(row["所在地区"] == "上海市" and row["复核轮数"] == 1 for row in rows.values())
    finally:
        os.remove(path)


def _nav_state(review: ReReview, now) -> str:
    return db.session.scalar(select(rereview.open_review_state_column(review.application.enterprise_id, now)))


def test_the_navigation_badge_is_the_units_state(client, app, world):
    """The badge once restated the state rule: 待整改 when overdue or revoked, 待提交 after the round."""
    with app.app_context():
        reviewer, now = _reviewer(), utcnow()
        overdue, revoked, rectified, submitted = _checked_reviews()
        for review in (overdue, revoked):
            rereview.order_rectification(review, "完善计量管理制度", now + timedelta(days=5), reviewer)
            review.rectification_deadline = now - timedelta(minutes=1)
        rereview.conclude(revoked, ReReviewOutcome.REVOKE, "逾期未整改，撤销称号", None, reviewer)
        states = {_nav_state(review, now) for review in (overdue, revoked, submitted)}
        assert states == {"overdue", "revoked", "awaiting_review"}
        db.session.commit()
        overdue_login = _unit(overdue).username
        # After the round: a unit that never submitted, ordered to rectify, has reported.
        _close(rectified.round)
        rectified.submitted_at = None
        rereview.order_rectification(rectified, "补交复核材料", now + timedelta(days=5), reviewer)
        rereview.report_rectification(rectified, _unit(rectified), "已补交", upload(), None)
        assert _nav_state(rectified, now) == "rectified" and _nav_state(submitted, now) == "history"
        rereview.conclude(rectified, ReReviewOutcome.KEEP, "整改到位，保持称号", None, reviewer)
        rereview.conclude(submitted, ReReviewOutcome.KEEP, "计量管理持续有效", None, reviewer)
        _rules_in_sql_agree_with_the_model(now)
    login(client, overdue_login)
    page = client.get("/rereview/").get_data(as_text=True)
    assert "届满" in page and "待整改</span>" not in page


def _rules_in_sql_agree_with_the_model(now) -> None:
    """Each rule the model answers in Python and in SQL (for lists and counts) gives one answer per unit."""
    pairs = [
        (ReReview.state_clause(now), lambda review: review.state_at(now).value),
        (ReReview.overdue_clause(now), lambda review: review.is_overdue(now)),
        (ReReview.rectification_open_clause(), lambda review: review.rectification_open),
        (ReReview.kept_without_rectification_clause(), lambda review: review.kept_without_rectification),
        (ReReviewRound.open_clause(now), lambda review: review.round.is_open(now)),
    ]
    for review in _reviews():
        for clause, rule in pairs:
            expected = rule(review)
            column = clause if isinstance(expected, str) else case((clause, True), else_=False)
            in_sql = db.session.scalar(
                select(column).select_from(ReReview).join(ReReviewRound).where(ReReview.id == review.id)
            )
            assert in_sql == expected, (review.id, str(clause))


def test_after_the_round_the_navigation_leads_the_unit_to_its_history(client, app, world):
    with app.app_context():
        review = next(r for r in _reviews() if not r.sample)
        _close(review.round)
        rereview.conclude(review, ReReviewOutcome.KEEP, "计量管理持续有效", None, _reviewer())
        db.session.commit()
        unit_login = _unit(review).username
    login(client, unit_login)
    assert client.get("/rereview/").status_code == 404  # nothing open any more
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'href="/rereview/history">定期复核</a>' in page
    assert "计量管理持续有效" in client.get("/rereview/history").get_data(as_text=True)


def test_the_dashboard_counts_rounds_without_a_query_per_round(client, app, world, count_queries):
    login(client, "reviewer")

    def dashboard_queries() -> tuple[int, str]:
        count_queries.clear()
        page = client.get("/review/").get_data(as_text=True)
        return len(count_queries), page

    one_round, page = dashboard_queries()
    assert "2027年度定期复核" in page and "现场检查覆盖率" in page
    with app.app_context():
        reviewer = _reviewer()
        review_round = _reviews()[0].round
        for year in (2029, 2031):
            _close_and_keep(review_round)
            review_round = _open(reviewer, f"{year}年度定期复核")
        db.session.commit()
    three_rounds, page = dashboard_queries()
    assert "2031年度定期复核" in page and three_rounds == one_round


def test_a_units_history_costs_as_many_queries_for_three_rounds_as_for_one(client, app, world, count_queries):
    with app.app_context():
        sampled = next(r for r in _reviews() if r.sample)
        application_id, unit_login = sampled.application_id, _unit(sampled).username
    unit_client = app.test_client()
    login(client, "reviewer")
    login(unit_client, unit_login)
    pages = [(client, f"/review/rereviews/units/{application_id}"), (unit_client, "/rereview/history")]

    def history_queries() -> list[int]:
        counts = []
        for who, url in pages:
            count_queries.clear()
            assert who.get(url).status_code == 200
            counts.append(len(count_queries))
        return counts

    one_round = history_queries()
    with app.app_context():
        review_round = _reviews()[0].round
        for year in (2029, 2031):  # every unit checked on site, so each round has a check with a report
            _close_and_keep(review_round)
            review_round = _open(_reviewer(), f"{year}年度定期复核", sample_rate=100)
        db.session.commit()
    assert history_queries() == one_round


def test_the_unit_sees_its_open_rereview_on_its_own_pages(client, app, world):
    """An order to rectify (and, before it, materials still to submit) shows on 我的申报书 and 申报进度."""
    with app.app_context():
        review, *_, waiting = _checked_reviews()
        login_name, waiting_name = _unit(review).username, _unit(waiting).username
        waiting.submitted_at = None  # the round is open: its materials are still to submit
        rereview.order_rectification(review, "完善计量管理制度", utcnow() + timedelta(days=5), _reviewer())
        db.session.commit()
    login(client, login_name)
    for path in ("/application/", "/application/status"):
        page = client.get(path).get_data(as_text=True)
        assert "主管部门已责令本单位限期整改" in page and 'href="/rereview/">查看整改要求' in page, path
    client.post("/account/logout")
    login(client, waiting_name)
    assert "本单位的定期复核材料尚未提交" in client.get("/application/").get_data(as_text=True)
