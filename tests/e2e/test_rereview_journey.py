"""定期复核 in the browser: the reviewer opens a round (its on-site sample drawn), a unit submits its update,
is ordered to rectify by a deadline, hands in its rectification report, and is kept."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.test_enterprise_journey import click_button, expect_flash, fill_form
from tests.e2e.test_recommender_journey import log_in
from tests.factories import PDF_BYTES


@pytest.fixture(scope="module")
def published_units(app):
    """A published campaign of its own with two selected units; returns (name, login) of each."""
    from portal.accounts.models import Role, User
    from portal.core.extensions import db
    from portal.core.timeutil import utcnow
    from portal.review import services
    from portal.review.models import DecisionOutcome
    from tests.factories import make_campaign, make_recommender, make_staff, submitted_list

    with app.app_context():
        campaign = make_campaign(name="复核测试批次", year=2024)
        reviewer = make_staff(Role.REVIEWER, username="e2e-rereviewer")
        units = submitted_list(campaign, make_recommender("河南省市场监督管理局（复核）", region="河南省"), 2)
        for application in units:
            services.decide(application, DecisionOutcome.SELECTED, "综合评审意见良好", reviewer)
        services.publish(campaign, reviewer)
        # It ran two years ago, so it is not the current campaign of the other journeys.
        now = utcnow()
        campaign.opens_at, campaign.closes_at, campaign.recommend_deadline = (
            now - timedelta(days=760),
            now - timedelta(days=700),
            now - timedelta(days=690),
        )
        campaign.archived = True
        db.session.commit()
        return [
            (a.org_name, db.session.scalar(db.select(User.username).where(User.enterprise_id == a.enterprise_id)))
            for a in units
        ]


def _local_input(delta: timedelta) -> str:
    from portal.core.timeutil import now_local

    return (now_local() + delta).strftime("%Y-%m-%dT%H:%M")


def test_a_round_with_one_unit_ordered_to_rectify(browser, base_url, published_units, screenshot, tmp_path):
    (name, unit_login), _ = published_units
    reviewer = log_in(browser, base_url, "e2e-rereviewer")
    reviewer.goto("/review/rereviews/")
    expect(reviewer.locator("#sample-note")).to_contain_text("不低于 10%")
    fill_form(
        reviewer,
        {
            "复核名称": "2026年度定期复核（浏览器）",
            "开始时间": _local_input(timedelta(hours=-1)),
            "单位提交截止": _local_input(timedelta(days=20)),
        },
    )
    expect(reviewer.get_by_label("现场检查抽取比例（%）")).to_have_value("10")
    reviewer.get_by_label("现场检查抽取比例（%）").fill("100")  # every unit checked: the journey records one
    click_button(reviewer, "开启")
    expect_flash(reviewer, "现场检查样本已抽取")
    reviewer.get_by_role("link", name="2026年度定期复核（浏览器）").click()
    expect(reviewer.locator("#sample")).to_contain_text("随机种子")
    expect(reviewer.locator("#sample code").last).to_contain_text("flask --app app rereview-sample")
    screenshot(reviewer, "60_rereview_round")

    unit = log_in(browser, base_url, unit_login)
    unit.get_by_role("link", name="定期复核").click()
    unit.once("dialog", lambda dialog: dialog.accept())
    click_button(unit, "提交复核材料")
    expect_flash(unit, "复核材料已提交")

    reviewer.get_by_role("link", name=name).click()
    expect(reviewer.locator("#conclusion")).to_contain_text("请先记录现场检查结果")
    reviewer.get_by_text("记录现场检查", exact=True).click()
    fill_form(
        reviewer, {"核查日期": _local_input(timedelta(0))[:10], "核查组成员": "复核检查组", "核查发现": "记录不全"}
    )
    reviewer.get_by_label("不合格", exact=True).check()
    click_button(reviewer, "保存检查记录")
    expect_flash(reviewer, "现场检查已记录")
    expect(reviewer.get_by_label("保持", exact=True)).to_be_disabled()  # a failed check is rectified first
    expect(reviewer.locator("#conclusion")).to_contain_text("现场检查不合格，应先责令限期整改。")
    reviewer.get_by_label("限期整改", exact=True).check()
    notice = tmp_path / "整改通知书.pdf"
    notice.write_bytes(PDF_BYTES)
    fill_form(
        reviewer,
        {
            "结论理由或整改要求": "补充计量确认记录并更新溯源证书",
            "整改期限": _local_input(timedelta(days=10)),
            "依据材料（可选）": notice,
        },
    )
    click_button(reviewer, "记录结论")
    expect_flash(reviewer, "复核结论已记录：限期整改")
    expect(reviewer.get_by_role("row", name=name)).to_contain_text("限期整改中")

    unit.goto("/rereview/")
    expect(unit.locator(".navbar")).to_contain_text("待整改")
    expect(unit.locator("#rectification")).to_contain_text("补充计量确认记录并更新溯源证书")
    expect(unit.locator("#rectification")).to_contain_text("整改通知书.pdf")
    report = tmp_path / "整改报告.pdf"
    report.write_bytes(PDF_BYTES)
    fill_form(unit, {"整改情况说明": "已补充记录，证书已更新。", "整改报告": report})
    unit.once("dialog", lambda dialog: dialog.accept())
    click_button(unit, "提交整改报告")
    expect_flash(unit, "整改报告已提交")
    expect(unit.locator("#rectification")).to_contain_text("整改报告.pdf")
    screenshot(unit, "61_rereview_rectification_unit")

    reviewer.goto(reviewer.url)
    reviewer.get_by_role("link", name=name).click()
    expect(reviewer.locator("#rectification")).to_contain_text("整改报告.pdf")
    reviewer.get_by_label("保持", exact=True).check()
    fill_form(reviewer, {"结论理由或整改要求": "整改到位，保持示范单位称号"})
    click_button(reviewer, "记录结论")
    expect_flash(reviewer, "复核结论已记录：保持")
    expect(reviewer.get_by_role("row", name=name)).to_contain_text("保持")
    reviewer.goto("/review/rereviews/")  # the round is still open: no second one yet
    expect(reviewer.locator("#open-blocked")).to_contain_text("截止后方可开启新的复核")
    screenshot(reviewer, "63_rereview_rounds_waiting")

    unit.goto("/rereview/history")
    history = unit.locator("section")
    expect(history).to_contain_text("保持")
    expect(history).to_contain_text("补充计量确认记录并更新溯源证书")
    screenshot(unit, "62_rereview_history_unit")
