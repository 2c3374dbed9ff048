"""A recommender returns an application, the enterprise resubmits, the recommender sees what changed,
ranks by drag and drop, downloads the 推荐汇总表 and submits it with the sealed scan — in the browser.
"""

import re
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_enterprise_journey import click_button, expect_flash, fill_form
from tests.factories import PASSWORD, PNG_BYTES

RECOMMENDER = "上海市市场监督管理局"
STAFF = "tuijian-shanghai"
ENTERPRISES = ["上海浦江精密仪表有限公司", "上海申衡计量技术有限公司", "上海东方测控装备股份有限公司"]


@pytest.fixture(scope="module")
def shanghai(app):
    """Three large enterprises that submitted to the Shanghai bureau; returns their logins by name."""
    from portal.accounts.models import Role
    from portal.campaigns.models import current_campaign
    from portal.core.extensions import db
    from tests.factories import make_recommender, make_staff, submitted_application

    with app.app_context():
        recommender = make_recommender(RECOMMENDER, region="上海市")
        make_staff(Role.RECOMMENDER, recommender, username=STAFF)
        logins = {}
        for name in ENTERPRISES:
            application = submitted_application(current_campaign(), recommender, name=name)
            logins[name] = application.enterprise.uscc
        db.session.commit()
    return logins


def log_in(browser, base_url, username: str) -> Page:
    """A fresh browser session logged in as ``username``."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="zh-CN"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/account/login")
    fill_form(page, {"账号": username, "密码": PASSWORD})
    click_button(page, "登录")
    expect(page.locator(".navbar")).to_contain_text("退出登录", use_inner_text=False)
    return page


def open_application(page: Page, name: str) -> None:
    page.goto("/recommender/")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def ranked_names(page: Page, scale_label: str) -> list[str]:
    card = page.locator(".card", has=page.get_by_text(f"{scale_label}企业", exact=True))
    return [name.strip() for name in card.locator("li[data-application-id] a").all_inner_texts()]


def test_return_resubmit_rank_by_drag_and_submit(browser, base_url, shanghai, tmp_path, screenshot):
    first, second, third = ENTERPRISES
    recommender = log_in(browser, base_url, STAFF)
    expect(recommender.locator("tbody tr")).to_have_count(3)
    screenshot(recommender, "31_inbox")

    # Return the first with a reason.
    open_application(recommender, first)
    recommender.get_by_label("退回理由").fill("请补充主要产品的计量保障情况。")
    click_button(recommender, "退回修改")
    expect_flash(recommender, f"已退回修改：{first}。")

    # The enterprise reads the reason, edits one field and resubmits.
    enterprise = log_in(browser, base_url, shanghai[first])
    expect(enterprise.locator(".alert-warning")).to_contain_text("请补充主要产品的计量保障情况。")
    enterprise.goto("/application/section/basic")
    fill_form(enterprise, {"主要产品": "智能压力变送器及在线校准系统"})
    click_button(enterprise, "保存草稿")
    enterprise.goto("/application/")
    click_button(enterprise, "重新提交")
    expect_flash(enterprise, f"申报书已提交至{RECOMMENDER}。")

    # The recommender sees exactly what changed, then accepts all three.
    open_application(recommender, first)
    changes = recommender.locator("#changes")
    expect(changes).to_contain_text("第 2 版与第 1 版相比的修改")
    expect(changes.locator("tbody tr")).to_have_count(1)
    expect(changes).to_contain_text("智能压力变送器及在线校准系统")
    screenshot(recommender, "32_review_changes")
    for name in ENTERPRISES:
        open_application(recommender, name)
        click_button(recommender, "受理，纳入推荐候选")
        expect_flash(recommender, f"已受理：{name}。")

    # Rank the three, then drag the third to the top.
    recommender.goto("/recommender/ranking")
    for name in ENTERPRISES:
        recommender.get_by_role("button", name=f"加入推荐：{name}").click()
        expect_flash(recommender, "已加入推荐名单")
    assert ranked_names(recommender, "大型") == [first, second, third]
    items = recommender.locator("li[data-application-id]")
    items.nth(2).drag_to(items.nth(0), target_position={"x": 40, "y": 4})
    expect_flash(recommender, "排序已保存。")
    assert ranked_names(recommender, "大型") == [third, first, second]
    recommender.get_by_role("button", name=f"下移：{third}").click()  # the keyboard way does the same
    expect_flash(recommender, "已下移。")
    assert ranked_names(recommender, "大型") == [first, third, second]
    screenshot(recommender, "33_ranking")

    # Download the sheet: the rows in ranked order.
    with recommender.expect_download() as download_info:
        recommender.get_by_role("link", name="导出推荐汇总表（Excel）").click()
    sheet = openpyxl.load_workbook(BytesIO(Path(download_info.value.path()).read_bytes())).active
    assert sheet["A3"].value == f"推荐单位（盖章）：{RECOMMENDER}"
    assert [sheet.cell(row, 2).value for row in (5, 6, 7)] == [first, third, second]

    # Submit with the 报送信息 and the sealed scan; the list locks.
    scan = tmp_path / "推荐汇总表（盖章）.png"
    scan.write_bytes(PNG_BYTES)
    fill_form(
        recommender,
        {
            "牵头部门": "质量发展处",
            "责任人": "陈处长",
            "联系人": "周敏",
            "联系电话": "021-64001234",
            "电子邮箱": "zhoumin@example.gov.cn",
            "盖章扫描件": scan,
        },
    )
    recommender.once("dialog", lambda dialog: dialog.accept())
    click_button(recommender, "报送推荐汇总表")
    expect_flash(recommender, "推荐汇总表已报送，排序已锁定。")
    expect(recommender.get_by_role("button", name=re.compile("^下移"))).to_have_count(0)
    expect(recommender.locator("#submission")).to_contain_text("推荐汇总表（盖章）.png")
    screenshot(recommender, "34_submitted")

    # The enterprise sees the outcome on its status page.
    enterprise.goto("/application/status")
    expect(enterprise.locator("h1 + .badge")).to_have_text("已推荐")
    expect(enterprise.locator(".timeline")).to_contain_text("大型企业第 1 名")
