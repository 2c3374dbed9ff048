"""Ranking by keyboard (issue 13): after 上移 / 下移 the focus stays on the moved row's button, with and
without JavaScript; the buttons never wrap one character per line, at 1366 and at 390 px.

With ``SCREENSHOT_DIR`` set this also keeps the screenshots looked at for the issue: the ranking page,
a review page with a flagged self-check row, and the recommender picker, each at 1366 and 390 px.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_enterprise_journey import click_button, fill_form
from tests.factories import PASSWORD

RECOMMENDER = "浙江省市场监督管理局"
STAFF = "tuijian-zhejiang"
ENTERPRISES = [
    "浙江之江精密计量仪器仪表与智能传感系统集成股份有限公司",
    "杭州湾新区高端装备制造产业园区测控技术有限公司",
    "宁波北仑港口机械计量检测有限公司",
]
# Accepted too, for a full list of five and a pool whose 加入推荐 is disabled.
MORE = ["温州瓯江电气计量有限公司", "绍兴柯桥纺织测控有限公司", "嘉兴南湖衡器股份有限公司", "湖州太湖仪表有限公司"]


@pytest.fixture(scope="module")
def zhejiang(app):
    """Three accepted large candidates of the Zhejiang bureau, one with an expired certificate."""
    from datetime import timedelta

    from portal.accounts.models import Role
    from portal.campaigns.models import current_campaign
    from portal.core.extensions import db
    from portal.core.timeutil import local_today
    from tests.factories import accepted_application, make_recommender, make_staff

    with app.app_context():
        recommender = make_recommender(RECOMMENDER, region="浙江省")
        staff = make_staff(Role.RECOMMENDER, recommender, username=STAFF)
        ids = {}
        for name in ENTERPRISES + MORE:
            application = accepted_application(current_campaign(), recommender, staff)
            application.org_name = name
            application.province = "浙江省"
            ids[name] = application.id
        first = db.session.get(type(application), ids[ENTERPRISES[0]])
        first.certifications[0].expires_on = local_today() - timedelta(days=3)
        db.session.commit()
    return ids


def log_in(browser, base_url, username: str, width: int = 1366, javascript: bool = True) -> Page:
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": width, "height": 900},
        locale="zh-CN",
        java_script_enabled=javascript,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/account/login")
    fill_form(page, {"账号": username, "密码": PASSWORD})
    click_button(page, "登录")
    expect(page.locator(".navbar")).to_contain_text("退出登录", use_inner_text=False)
    return page


def ranked(page: Page) -> list[str]:
    card = page.locator(".card", has=page.locator("#list-large"))
    return [name.strip() for name in card.locator("li[data-application-id] .ranking-name a").all_inner_texts()]


def expect_focus(page: Page, label: str) -> None:
    """The button named ``label`` has the focus (waiting: without JavaScript, Chromium focuses the
    fragment's target a moment after the load event)."""
    expect(page.locator(":focus")).to_have_attribute("aria-label", label)


def press_on(page: Page, label: str) -> None:
    """Tab-free keyboard use: focus the button and press Enter, as a keyboard user would after tabbing."""
    page.get_by_role("button", name=label, exact=True).focus()
    enter(page)


def enter(page: Page) -> None:
    """Press Enter on whatever has the focus, and wait for the page the form leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_keyboard_reorder_keeps_the_focus_on_the_moved_row(browser, base_url, zhejiang, javascript, screenshot):
    page = log_in(browser, base_url, STAFF, javascript=javascript)
    page.goto("/recommender/ranking")
    first, second, third = ENTERPRISES
    for name in ENTERPRISES:
        if page.get_by_role("button", name=f"加入推荐：{name}", exact=True).count():
            press_on(page, f"加入推荐：{name}")
    expect(page.locator("li[data-application-id]")).to_have_count(3)
    start = ranked(page)

    # 下移 on the first row: it moves to second place and its 下移 keeps the focus.
    press_on(page, f"下移：{start[0]}")
    assert ranked(page) == [start[1], start[0], start[2]]
    expect_focus(page, f"下移：{start[0]}")
    # Enter again, without tabbing: now last, so 上移 of the same row has the focus.
    enter(page)
    assert ranked(page) == [start[1], start[2], start[0]]
    expect_focus(page, f"上移：{start[0]}")
    # 上移 twice brings it back to the top; then 下移 has the focus (there is no 上移 at the top).
    enter(page)
    expect_focus(page, f"上移：{start[0]}")
    enter(page)
    assert ranked(page)[0] == start[0]
    expect_focus(page, f"下移：{start[0]}")
    if javascript:
        screenshot(page, "ranking_1366")
    page.context.close()


def test_ranking_buttons_stay_on_one_line_at_1366_and_390(browser, base_url, zhejiang, screenshot):
    for width in (1366, 390):
        page = log_in(browser, base_url, STAFF, width=width)
        page.goto("/recommender/ranking")
        if not page.locator("li[data-application-id]").count():
            for name in ENTERPRISES:
                press_on(page, f"加入推荐：{name}")
        for name in MORE[:2]:
            if page.get_by_role("button", name=f"加入推荐：{name}", exact=True).count():
                press_on(page, f"加入推荐：{name}")
        expect(page.locator(".quota-count").first).to_have_text("5 / 5 已满")
        expect(page.locator(".ranking-pool button[disabled]")).to_have_count(2)
        buttons = page.locator(".ranking-actions .btn")
        assert buttons.count() >= 3
        for box in (buttons.nth(i).bounding_box() for i in range(buttons.count())):
            assert box["height"] < 40 and box["width"] > box["height"], box  # one line, wider than tall
        screenshot(page, f"ranking_{width}")
        page.context.close()


@pytest.fixture(scope="module")
def ningbo_enterprise(app):
    """An enterprise of 宁波 (浙江省) with a draft, and 宁波's own recommenders."""
    from portal.accounts.models import OrganisationKind
    from portal.applications import services
    from portal.campaigns.models import current_campaign
    from portal.core.extensions import db
    from tests.factories import make_enterprise_user, make_recommender

    with app.app_context():
        make_recommender("宁波市市场监督管理局", kind=OrganisationKind.CITY_AUTHORITY, region="浙江省")
        make_recommender("宁波市工业和信息化局", kind=OrganisationKind.CITY_AUTHORITY, region="浙江省")
        user = make_enterprise_user("宁波甬江精密测量仪器有限公司")
        application = services.start_application(user, current_campaign())
        application.province, application.city = "浙江省", "宁波市"
        db.session.commit()
        return user.username


def test_flagged_review_page_and_recommender_picker_at_1366_and_390(
    browser, base_url, zhejiang, ningbo_enterprise, screenshot
):
    for width in (1366, 390):
        page = log_in(browser, base_url, STAFF, width=width)
        page.goto(f"/recommender/applications/{zhejiang[ENTERPRISES[0]]}")
        flagged = page.locator("tr.claim-flagged")
        expect(flagged).to_have_count(3)
        expect(flagged.first).to_contain_text("自称通过，无有效证书")
        expect(page.locator(".cert-status-now").first).to_have_text("已过期")
        flagged.first.scroll_into_view_if_needed()
        screenshot(page, f"review_flagged_{width}")
        page.context.close()

        page = log_in(browser, base_url, ningbo_enterprise, width=width)
        page.goto("/application/recommender")
        names = page.locator(".recommender-list label span:not(.badge):not(.ms-auto)").all_inner_texts()
        assert "浙江省市场监督管理局" in names and "宁波市市场监督管理局" in names
        assert not any(name.startswith("北京") for name in names)
        expect(page.get_by_label("地区", exact=True)).to_have_value("浙江省")
        screenshot(page, f"picker_{width}")
        page.get_by_role("link", name="查看全部推荐单位").click()
        expect(page.get_by_label("地区", exact=True)).to_have_value("")
        page.context.close()
