"""The pages people use every day, in Chromium: the self-check grid on a phone, a stale tab recovered."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.test_enterprise_journey import click_button, fill_form
from tests.factories import PASSWORD

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def draft_owner(app):
    """An enterprise with a started draft; returns its login name."""
    from portal.applications.services import start_application
    from portal.campaigns.models import current_campaign
    from portal.core.extensions import db
    from tests.factories import make_enterprise_user

    with app.app_context():
        user = make_enterprise_user()
        start_application(user, current_campaign())
        db.session.commit()
        return user.username


def _logged_in(browser, base_url, username: str, viewport=None) -> Page:
    context = browser.new_context(
        base_url=base_url, viewport=viewport or {"width": 1366, "height": 900}, locale="zh-CN"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/account/login")
    fill_form(page, {"账号": username, "密码": PASSWORD})
    click_button(page, "登录")
    expect(page.locator(".navbar")).to_contain_text("退出登录", use_inner_text=False)
    return page


def _stored(app, field: str, code: str | None = None):
    from portal.applications.models import Application, SelfCheckAnswer
    from portal.core.extensions import db

    with app.app_context():
        if code is None:
            return db.session.scalars(select(getattr(Application, field)).order_by(Application.id.desc())).first()
        answer = db.session.scalars(
            select(SelfCheckAnswer).where(SelfCheckAnswer.item_code == code).order_by(SelfCheckAnswer.id.desc())
        ).first()
        return getattr(answer, field)


def test_self_check_on_a_phone_shows_each_item_as_a_card(browser, base_url, app, draft_owner, screenshot):
    page = _logged_in(browser, base_url, draft_owner, PHONE)
    page.goto("/application/selfcheck")
    first = page.locator('[id="item-1.1"]')
    # A card: its 类别 and 项目 on top, the question across the screen's width, nothing clipped.
    expect(first.locator(".card-context")).to_have_text("(一) 过程计量保障 · 1 计量保证大纲")
    expect(page.locator(".selfcheck-table thead")).to_be_hidden()
    question = first.locator(".cell-content").bounding_box()
    assert question["width"] > 300, question
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    first.locator('label[for="answer-1.1-yes"]').click()
    first.get_by_text("说明/附件").click()
    first.get_by_label("第 1.1 项说明（可选）").fill("见计量保证大纲 JL-2026-01")
    screenshot(page, "selfcheck_390")
    click_button(page, "保存草稿")
    expect(page.locator(".alert-success")).to_contain_text("自我检查表已保存")
    assert _stored(app, "remark", "1.1") == "见计量保证大纲 JL-2026-01"
    assert _stored(app, "answer", "1.1").value == "yes"
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(page.locator(".selfcheck-table thead")).to_be_visible()  # the grid again, grouped as in the notice
    screenshot(page, "selfcheck_1366")


def test_a_stale_tab_shows_the_difference_and_overwrites_on_request(browser, base_url, app, draft_owner, screenshot):
    first = _logged_in(browser, base_url, draft_owner)
    first.goto("/application/section/basic")
    second = first.context.new_page()  # the same session in another tab
    second.goto("/application/section/basic")
    second.get_by_label("所在城市").fill("天津市")
    click_button(second, "保存草稿")
    expect(second.locator(".alert-success")).to_be_visible()

    first.get_by_label("所在城市").fill("上海市")
    click_button(first, "保存草稿")
    conflict = first.locator("#conflict")
    expect(conflict).to_contain_text("天津市")
    expect(conflict).to_contain_text("上海市")
    expect(first.get_by_label("所在城市")).to_have_value("上海市")  # the input is still there
    screenshot(first, "stale_tab_conflict")
    conflict.get_by_role("button", name="用我的输入覆盖").click()
    expect(first.locator(".alert-success")).to_contain_text("已保存")
    assert _stored(app, "city") == "上海市"
