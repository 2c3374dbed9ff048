"""An admin imports recommender organisations from the template in Chromium: a sheet with errors is
refused with each error's row and column, the error list downloads, the fixed sheet is confirmed."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.test_enterprise_journey import click_button, fill_form
from tests.factories import PASSWORD

ROWS = [
    ["宁波市市场监督管理局（导入）", "计划单列市主管部门", "浙江", "计量处"],
    ["中国衡器协会（导入）", "全国性行业协会/学会/联合会", "全国", ""],
    ["青海省工业和信息化厅（导入）", "省级工业和信息化主管部门", "青海省", ""],
]


@pytest.fixture
def import_admin(app):
    from portal.accounts.models import Role
    from portal.core.extensions import db
    from tests.factories import make_staff

    with app.app_context():
        username = make_staff(Role.ADMIN).username
        db.session.commit()
    return username


def _fill(template_path, target, rows) -> None:
    workbook = load_workbook(template_path)
    sheet = workbook.worksheets[0]
    for row_number, values in enumerate(rows, start=2):  # over the example row
        for column, value in enumerate(values, start=1):
            sheet.cell(row_number, column, value or None)
    workbook.save(target)


def _upload(page, path) -> None:
    page.goto("/admin/import/")
    page.get_by_label("推荐单位", exact=True).check()
    fill_form(page, {"Excel 文件": path})
    click_button(page, "上传并预览")


def test_import_a_sheet_with_errors_fix_it_and_confirm(browser, base_url, app, import_admin, tmp_path, screenshot):
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/account/login")
    fill_form(page, {"账号": import_admin, "密码": PASSWORD})
    click_button(page, "登录")
    page.goto("/admin/import/")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^下载模板\s*（推荐单位）$")).click()
    template = tmp_path / "模板.xlsx"
    download.value.save_as(template)
    assert load_workbook(template).worksheets[0]["A1"].value == "单位名称"

    wrong = [list(row) for row in ROWS]
    wrong[1][2] = "北平"  # not a region
    wrong[2][1] = "工信厅"  # not a type
    _fill(template, tmp_path / "有错误.xlsx", wrong)
    _upload(page, tmp_path / "有错误.xlsx")
    expect(page.get_by_role("heading", name="导入预览：推荐单位")).to_be_visible()
    errors = page.get_by_role("table").filter(has_text="说明")
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors.locator("tbody tr").first).to_contain_text("3地区“北平”不是省级行政区名称")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    screenshot(page, "import_01_errors")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误清单（Excel，错误说明在各行旁）").click()
    download.value.save_as(tmp_path / "错误清单.xlsx")
    listed = load_workbook(tmp_path / "错误清单.xlsx").worksheets[0]
    assert [listed.cell(2, 5).value, listed.cell(3, 5).value] == [3, 4]
    assert listed.cell(2, 6).value.startswith("地区：")

    _fill(template, tmp_path / "已改正.xlsx", ROWS)
    _upload(page, tmp_path / "已改正.xlsx")
    expect(page.get_by_text("新增 3")).to_be_visible()
    expect(page.get_by_text("错误 0")).to_be_visible()
    screenshot(page, "import_02_preview")
    click_button(page, "确认导入")
    expect(page.get_by_text("已导入推荐单位：新增 3 行，更新 0 行，未变 0 行。")).to_be_visible()
    screenshot(page, "import_03_done")

    from portal.accounts.models import Organisation
    from portal.core.extensions import db

    with app.app_context():
        regions = dict(
            db.session.execute(
                select(Organisation.name, Organisation.region).where(Organisation.name.like("%（导入）"))
            ).all()
        )
    assert regions == {
        "宁波市市场监督管理局（导入）": "浙江省",
        "中国衡器协会（导入）": "全国",
        "青海省工业和信息化厅（导入）": "青海省",
    }
    # The same sheet again changes nothing.
    _upload(page, tmp_path / "已改正.xlsx")
    expect(page.get_by_text("未变 3")).to_be_visible()
    context.close()
