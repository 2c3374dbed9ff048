"""A reviewer decides many candidates at once: tick the page, preview with counts, decide with one reason;
and chooses by rule (均分 ≥ X) to see its preview. Screenshots at 1366 and 390 px when SCREENSHOT_DIR is set.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.test_enterprise_journey import click_button, expect_flash
from tests.e2e.test_recommender_journey import log_in

BULK_REGIONS = ("湖北省", "湖南省")
SCORES = {"湖北省": (91, 78, 86), "湖南省": (88, 64, 95)}


@pytest.fixture(scope="module")
def bulk_campaign(app):
    """The current campaign while this module runs (archived after): two lists of three, scored by one expert."""
    from datetime import timedelta

    from portal.accounts.models import Role
    from portal.campaigns.models import Campaign
    from portal.campaigns.services import rubric
    from portal.core.extensions import db
    from portal.core.timeutil import utcnow
    from portal.review import services
    from portal.review.models import ExpertOpinion
    from tests.factories import make_campaign, make_expert, make_recommender, make_staff, submitted_list

    with app.app_context():
        campaign = make_campaign(name="批量决定测试批次", year=2026, opens_at=utcnow() - timedelta(minutes=30))
        reviewer = make_staff(Role.REVIEWER, username="e2e-bulk-reviewer")
        expert = make_expert(campaign, "e2e-bulk-expert", "专家批量", "上海计量院", "上海市", None, reviewer)
        criteria = rubric(campaign)
        names = {}
        for region in BULK_REGIONS:
            recommender = make_recommender(f"{region}市场监督管理局（批量）", region=region)
            applications = submitted_list(campaign, recommender, 3)
            names[region] = [a.org_name for a in applications]
            for application, score in zip(applications, SCORES[region], strict=True):
                assignment = services.assign(application, expert, reviewer)
                values = {c.id: (Decimal(score), None) for c in criteria}
                services.save_scores(assignment, expert.user, values, ExpertOpinion.RECOMMEND, None, submit=True)
        db.session.commit()
        campaign_id = campaign.id
    yield names
    with app.app_context():  # the journeys after this one work on their own campaigns
        db.session.get(Campaign, campaign_id).archived = True
        db.session.commit()


def test_bulk_decision_with_preview(browser, base_url, bulk_campaign, screenshot):
    reviewer = log_in(browser, base_url, "e2e-bulk-reviewer")
    reviewer.set_viewport_size({"width": 1366, "height": 900})
    reviewer.goto("/review/candidates?region=湖北省")
    expect(reviewer.locator("tbody tr")).to_have_count(3)
    expect(reviewer.locator("#flag-legend")).to_contain_text("认证无证")

    # Tick the whole page, choose 入选, preview.
    reviewer.get_by_label("全选本页候选").check()
    expect(reviewer.locator("[data-bulk-count]")).to_have_text("3")
    reviewer.locator("#bulk-form").get_by_label("入选", exact=True).check()
    reviewer.get_by_label("全选本页候选").focus()  # the focus ring shows on the screenshot
    screenshot(reviewer, "51_candidates_bulk_1366")
    reviewer.set_viewport_size({"width": 390, "height": 844})
    screenshot(reviewer, "52_candidates_bulk_390")
    reviewer.set_viewport_size({"width": 1366, "height": 900})
    click_button(reviewer, "预览批量决定")
    expect(reviewer.locator("h1")).to_have_text("批量决定预览：3 家记为「入选」")
    for name in bulk_campaign["湖北省"]:
        expect(reviewer.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(reviewer.get_by_role("table", name="按地区")).to_contain_text("湖北省")
    screenshot(reviewer, "53_bulk_preview_1366")
    reviewer.set_viewport_size({"width": 390, "height": 844})
    screenshot(reviewer, "54_bulk_preview_390")
    reviewer.set_viewport_size({"width": 1366, "height": 900})

    # One reason for all; each is decided and the list shows it.
    reviewer.get_by_label("决定理由").fill("专家评审均分靠前，现场核查良好。")
    click_button(reviewer, "确认：将 3 家记为入选")
    expect_flash(reviewer, "已将 3 家候选记为入选")
    expect(reviewer.locator("tbody .badge", has_text="入选")).to_have_count(3)
    reviewer.get_by_role("link", name=bulk_campaign["湖北省"][0], exact=True).click()
    expect(reviewer.locator("#decision")).to_contain_text("专家评审均分靠前，现场核查良好。")

    # By rule over the whole list: 均分 ≥ 86 takes 91, 86, 88 and 95.
    reviewer.goto("/review/candidates")
    reviewer.get_by_label("均分下限（百分制）").fill("86")
    expect(reviewer.locator("#rule-mean")).to_be_checked()
    reviewer.locator("#bulk-form").get_by_label("未入选", exact=True).check()
    click_button(reviewer, "预览批量决定")
    expect(reviewer.locator("h1")).to_have_text("批量决定预览：4 家记为「未入选」")
    expect(reviewer.get_by_role("status").filter(has_text="已有不同的决定")).to_contain_text("2 家")
    reviewer.get_by_role("link", name="返回列表").click()
    expect(reviewer.locator("tbody .badge", has_text="未入选")).to_have_count(0)  # the preview changed nothing


def _contrast(foreground: str, background: str) -> float:
    """WCAG contrast of two computed CSS colours (``rgb(...)`` / ``rgba(...)``, alpha over the background)."""

    def channels(colour: str) -> list[float]:
        return [float(part) for part in colour[colour.index("(") + 1 : -1].split(",")]

    def luminance(rgb) -> float:
        linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    back = channels(background)[:3]
    fore = channels(foreground)
    alpha = fore[3] if len(fore) == 4 else 1.0
    mixed = [alpha * f + (1 - alpha) * b for f, b in zip(fore[:3], back, strict=True)]
    lighter, darker = sorted((luminance(mixed), luminance(back)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


FOCUS_STYLE = """() => { const s = getComputedStyle(document.activeElement);
  return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), tag: document.activeElement.tagName}; }"""
# How many lines each text of the table headers takes (a <br> starts a new text, and is allowed): line
# boxes whose tops differ by more than half the font size (fonts for Latin and CJK sit a pixel apart).
# Visible headers only: below 768 px the self-check grid shows cards and hides its header row.
HEADER_LINES = """() => [...document.querySelectorAll('thead th')].filter(th => th.getClientRects().length).flatMap(th =>
  [...th.childNodes].concat([...th.querySelectorAll('*')].flatMap(e => [...e.childNodes]))
    .filter(n => n.nodeType === 3 && n.textContent.trim())
    .map(n => { const r = document.createRange(); r.selectNodeContents(n);
      const size = parseFloat(getComputedStyle(n.parentElement).fontSize);
      const tops = [...r.getClientRects()].map(x => x.top).sort((a, b) => a - b);
      const lines = tops.filter((top, i) => i === 0 || top - tops[i - 1] > size / 2).length;
      return [n.textContent.trim(), lines]; }))"""


def test_navigation_contrast_focus_ring_and_unbroken_headers(browser, base_url, bulk_campaign, screenshot):
    reviewer = log_in(browser, base_url, "e2e-bulk-reviewer")
    reviewer.goto("/review/candidates")
    bar = reviewer.locator(".portal-navbar").evaluate("e => getComputedStyle(e).backgroundColor")
    for link in reviewer.locator(".portal-navbar .nav-link").all():
        assert _contrast(link.evaluate("e => getComputedStyle(e).color"), bar) >= 4.5

    # The focus ring: 3 px, solid, on a navigation link, a button and a form control.
    reviewer.locator(".portal-navbar .nav-link").first.focus()
    reviewer.keyboard.press("Tab")
    reviewer.keyboard.press("Shift+Tab")  # focus by keyboard, so :focus-visible applies
    for locator in (None, reviewer.get_by_role("button", name="预览批量决定"), reviewer.get_by_label("单位名称")):
        if locator is not None:
            locator.focus()
        ring = reviewer.evaluate(FOCUS_STYLE)
        assert ring["style"] == "solid" and ring["width"] >= 3, ring
        if locator is None:
            screenshot(reviewer, "55_focus_on_the_navigation")

    # Headers such as 加权总分 and 过程计量保障 stay on one line, even on a phone.
    reviewer.set_viewport_size({"width": 390, "height": 844})
    for path in ("/review/candidates", "/review/candidates?region=湖南省"):
        reviewer.goto(path)
        assert all(lines == 1 for _text, lines in reviewer.evaluate(HEADER_LINES))
    reviewer.get_by_role("link", name=bulk_campaign["湖南省"][0], exact=True).click()
    reviewer.wait_for_url(re.compile(r"/review/candidates/\d+$"))  # loaded: its style sheets apply
    headers = dict(reviewer.evaluate(HEADER_LINES))
    assert headers["加权总分"] == 1 and headers["过程计量保障"] == 1, headers
    assert all(lines == 1 for lines in headers.values()), [h for h in headers.items() if h[1] != 1]
