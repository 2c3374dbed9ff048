"""Finding 8: the browser's copy of typed input lives in the tab (sessionStorage), and goes at save and logout."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_enterprise_journey import click_button, expect_flash
from tests.e2e.test_recommender_journey import log_in

DRAFT_KEYS = "(s) => Object.keys(window[s]).filter((k) => k.startsWith('portal-draft:'))"


@pytest.fixture
def enterprise(app):
    from portal.core.extensions import db
    from tests.factories import make_enterprise_user

    with app.app_context():
        username = make_enterprise_user("草稿存储测试有限公司").username
        db.session.commit()
    return username


def _drafts(page, storage: str) -> list[str]:
    return page.evaluate(DRAFT_KEYS, storage)


def test_the_draft_copy_stays_in_the_tab_and_is_cleared_at_save_and_logout(browser, base_url, enterprise):
    page = log_in(browser, base_url, enterprise)
    page.evaluate("() => localStorage.setItem('portal-draft:old', '{\"contact_phone\": \"13800138000\"}')")
    click_button(page, "开始填写申报书")
    expect(page).to_have_url(re.compile(r"/application/section/basic$"))
    page.wait_for_load_state()
    assert _drafts(page, "localStorage") == []  # a copy an older version left behind is removed
    page.get_by_label("联系人", exact=True).fill("赵工")
    assert len(_drafts(page, "sessionStorage")) == 1 and _drafts(page, "localStorage") == []
    click_button(page, "保存草稿")
    expect_flash(page, "已保存")
    page.wait_for_load_state()
    assert _drafts(page, "sessionStorage") == []
    page.get_by_label("联系人", exact=True).fill("钱工")
    assert len(_drafts(page, "sessionStorage")) == 1
    page.get_by_role("button", name=page.locator(".navbar .dropdown-toggle").inner_text().strip()).click()
    click_button(page, "退出登录")
    expect(page.locator(".alert")).to_contain_text("您已安全退出")
    assert _drafts(page, "sessionStorage") == [] and _drafts(page, "localStorage") == []
