"""The ministries' review in the browser: assign automatically, an expert scores, the reviewer decides,
publishes, the public list shows the unit without contacts, and the national workbook downloads.
"""

import re
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.e2e.test_enterprise_journey import click_button, expect_flash
from tests.e2e.test_recommender_journey import log_in

REVIEW_REGIONS = ("江苏省", "浙江省")


@pytest.fixture(scope="module")
def review_campaign(app):
    """A campaign of its own (the latest, so the current one) with two submitted lists and four experts."""
    from datetime import timedelta

    from portal.accounts.models import Role
    from portal.core.extensions import db
    from portal.core.timeutil import utcnow
    from tests.factories import make_campaign, make_expert, make_recommender, make_staff, submitted_list

    with app.app_context():
        now = utcnow()
        campaign = make_campaign(name="评审测试批次", year=2027, opens_at=now - timedelta(hours=1))
        names = {}
        for region in REVIEW_REGIONS:
            recommender = make_recommender(f"{region}市场监督管理局（评审）", region=region)
            names[region] = [a.org_name for a in submitted_list(campaign, recommender, 2)]
        reviewer = make_staff(Role.REVIEWER, username="e2e-reviewer")
        for username, region in (
            ("e2e-expert-js", "江苏省"),
            ("e2e-expert-zj", "浙江省"),
            ("e2e-expert-bj", "北京市"),
            ("e2e-expert-sh", "上海市"),
        ):
            make_expert(campaign, username, f"专家{region[:2]}", f"{region}计量院", region, None, reviewer)
        db.session.commit()
        return names


def test_assign_score_decide_publish_and_export(browser, base_url, review_campaign, screenshot):
    reviewer = log_in(browser, base_url, "e2e-reviewer")
    reviewer.goto("/review/experts")
    reviewer.get_by_label("每家候选的专家人数").fill("2")
    click_button(reviewer, "自动分配")
    expect_flash(reviewer, "已按回避规则和均衡原则自动分配。")
    loads = reviewer.locator("tbody tr td:nth-child(6)").all_inner_texts()
    assert [int(load) for load in loads] == [2, 2, 2, 2]  # 4 candidates × 2 experts, none of the same region
    screenshot(reviewer, "41_experts")

    expert = log_in(browser, base_url, "e2e-expert-bj")
    expect(expert.get_by_role("link", name="评分")).to_have_count(2)
    expert.get_by_role("link", name="评分").first.click()
    for label in ("过程计量保障", "计量工作有效性", "计量管理", "技术先进性与创新", "示范推广价值"):
        expert.get_by_label(re.compile(f"^{label}（0–100 分）")).fill("90")
    expert.get_by_label("建议入选", exact=True).check()
    screenshot(expert, "42_expert_score")
    expert.once("dialog", lambda dialog: dialog.accept())
    click_button(expert, "提交评分")
    expect_flash(expert, "评分已提交。")
    expect(expert.get_by_role("link", name="查看")).to_have_count(1)

    # The reviewer sees the score, decides every candidate, publishes.
    reviewer.goto("/review/candidates?sort=score")
    first_row = reviewer.locator("tbody tr").first
    expect(first_row).to_contain_text("90.00")
    screenshot(reviewer, "43_candidates")
    candidates = [name for names in review_campaign.values() for name in names]
    for number, name in enumerate(candidates):
        reviewer.goto("/review/candidates")
        reviewer.get_by_role("link", name=name, exact=True).click()
        reviewer.get_by_label("入选" if number else "未入选", exact=True).check()
        reviewer.get_by_label("决定理由").fill("专家评审意见一致，现场核查良好。")
        click_button(reviewer, "记录决定")
        expect_flash(reviewer, "已记录评审决定")
    screenshot(reviewer, "44_candidate")
    reviewer.goto("/review/publish")
    reviewer.get_by_label("我已核对全部评审决定，确认公布名单").check()
    reviewer.once("dialog", lambda dialog: dialog.accept())
    click_button(reviewer, "公布名单")
    expect_flash(reviewer, "名单已公布")

    # Anyone can read the published list: names, no contact details.
    public = browser.new_page(base_url=base_url)
    public.goto("/units")
    table = public.locator("table", has=public.get_by_text(candidates[1]))
    expect(table).to_contain_text(candidates[1])
    expect(table).not_to_contain_text(candidates[0])  # not selected
    expect(public.locator("body")).not_to_contain_text("13800138000")
    screenshot(public, "45_public_units")

    # The national workbook, one click.
    reviewer.goto("/review/candidates")
    with reviewer.expect_download() as download_info:
        reviewer.get_by_role("link", name="导出全国汇总（Excel）").click()
    workbook = openpyxl.load_workbook(BytesIO(Path(download_info.value.path()).read_bytes()))
    assert "候选单位汇总" in workbook.sheetnames and "公布名单" in workbook.sheetnames
    published = [row[1] for row in workbook["公布名单"].iter_rows(min_row=4, values_only=True) if row[1]]
    assert sorted(published) == sorted(candidates[1:])
