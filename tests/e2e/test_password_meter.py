"""Finding 5: the strength meter under a new password, as the user types (CSRF on)."""

from playwright.sync_api import expect


def test_the_meter_shows_the_servers_verdict(page):
    page.goto("/account/register")
    password = page.get_by_label("密码", exact=True)
    meter = page.locator("[aria-live=polite]").filter(has_text="密码强度")
    password.fill("qwertyuiop12")
    expect(meter).to_contain_text("太容易被猜到")
    password.fill("measure-twice-cut-once")
    expect(meter).to_contain_text("密码强度：很强")
