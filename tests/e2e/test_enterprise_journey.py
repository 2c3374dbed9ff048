"""A new enterprise registers, fills in every section of its 申报书 and submits it — in the browser only.

Each ``fill_*`` helper starts on one section's page, fills it the way a person would (by the
visible labels) and leaves the browser on the page the section's own button leads to.
"""

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect

from portal.accounts.uscc import uscc_check_character
from portal.selfcheck import SELF_CHECK_CODES

PASSWORD = "qiye-shenbao-jiliang-27"
RECOMMENDER = "北京市市场监督管理局"
SECTION_COUNT = 8
_serial = itertools.count(1)


@dataclass(frozen=True)
class Enterprise:
    name: str
    uscc: str
    contact: str = "王工"
    mobile: str = "13800138000"
    email: str = "metrology@example.cn"


def new_enterprise(name: str) -> Enterprise:
    """An enterprise with a valid 统一社会信用代码 no other test has registered."""
    first17 = f"91110108MA01ABC{next(_serial):02d}"
    return Enterprise(name=name, uscc=first17 + uscc_check_character(first17))


# --- small page helpers -----------------------------------------------------------------------


def fill_form(page: Page, values: dict[str, str | Path]) -> None:
    """Fill each field found by its exact label: text, number and date inputs, selects, files."""
    for label, value in values.items():
        field = page.get_by_label(label, exact=True)
        tag, kind = field.evaluate("el => [el.tagName, el.type]")
        if tag == "SELECT":
            field.select_option(label=value)
        elif kind == "file":
            field.set_input_files(value)
        else:
            field.fill(value)


def expect_section(page: Page, title: str) -> None:
    expect(page.get_by_role("heading", level=2)).to_have_text(title)


def expect_flash(page: Page, text: str) -> None:
    expect(page.locator(".alert-success.alert-dismissible")).to_contain_text(text)  # the flash, not a notice


def click_button(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def click_link(page: Page, name: str) -> None:
    page.get_by_role("link", name=name, exact=True).click()


def narrative(topic: str, length: int = 240) -> str:
    sentence = f"本单位围绕{topic}，将计量要求嵌入设计、研发、试验、生产和使用全过程，关键参数实现在线测量与实时监控。"
    return (sentence * (length // len(sentence) + 1))[:length]


# --- the steps of the journey -------------------------------------------------------------------


def register(page: Page, enterprise: Enterprise) -> None:
    page.goto("/account/register")
    fill_form(
        page,
        {
            "单位名称": enterprise.name,
            "统一社会信用代码": enterprise.uscc,
            "联系人": enterprise.contact,
            "手机": enterprise.mobile,
            "邮箱": enterprise.email,
            "密码": PASSWORD,
            "确认密码": PASSWORD,
        },
    )
    click_button(page, "注册")
    expect(page).to_have_url(re.compile(r"/application/$"))
    expect_flash(page, "注册成功")


def start_application(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/application/$"))
    click_button(page, "开始填写申报书")
    expect(page).to_have_url(re.compile(r"/application/section/basic$"))
    expect_section(page, "基本信息")


def check_live_scale(page: Page) -> None:
    """The scale follows 从业人员 and 营业收入 as they are typed, before anything is saved."""
    employees = page.get_by_label("从业人员数（人）", exact=True)
    revenue = page.get_by_label("上年度营业收入（万元）", exact=True)
    scale = page.locator("[data-scale-output]")
    employees.fill("1200")
    revenue.fill("50000")
    expect(scale).to_have_text("大型")
    employees.fill("999")
    expect(scale).to_have_text("中小型")
    employees.fill("1200")
    expect(scale).to_have_text("大型")


def fill_basic_info(page: Page, enterprise: Enterprise) -> None:
    expect_section(page, "基本信息")
    expect(page.get_by_label("单位名称", exact=True)).to_have_value(enterprise.name)  # copied from registration
    check_live_scale(page)
    fill_form(
        page,
        {
            "单位名称": enterprise.name,
            "所在省份": "北京市",
            "所在城市": "北京市",
            "邮政编码": "100080",
            "通讯地址": "北京市海淀区中关村南大街 8 号",
            "法定代表人": "张明",
            "联系人": enterprise.contact,
            "职务": "计量室主任",
            "电话/手机": enterprise.mobile,
            "邮箱": enterprise.email,
            "企业性质": "有限责任公司",
            "所处行业": "仪器仪表",
            "资产总额（万元）": "80000",
            "主要产品": "工业过程测量仪表及在线校准系统",
        },
    )


def fill_metrology(page: Page) -> None:
    expect_section(page, "计量基础情况")
    fill_form(
        page,
        {
            "计量管理机构": "质量部计量室",
            "专职计量人员数": "12",
            "兼职计量人员数": "30",
            "测量设备总数（台件）": "4200",
            "企业最高计量标准数（项）": "8",
            "关键测量过程数": "40",
            "重要测量过程数": "120",
            "一般测量过程数": "300",
            "是否重点用能单位": "是",
            "年综合能源消费量（吨标准煤）": "15000",
        },
    )


def add_certificate(page: Page, certificate_pdf: Path) -> None:
    expect_section(page, "认证与认可")
    fill_form(
        page,
        {
            "类型": "质量管理体系（GB/T 19001 / ISO 9001）",
            "证书编号": "01624Q12345R0M",
            "发证机构": "示例认证有限公司",
            "发证日期": "2024-03-01",
            "有效期至": "2027-02-28",
            "证书状态": "有效",
            "证书扫描件": certificate_pdf,
        },
    )
    click_button(page, "添加证书")
    expect_flash(page, "证书已添加。")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody tr")).to_contain_text("01624Q12345R0M")


def fill_narratives(page: Page) -> None:
    expect_section(page, "计量工作情况")
    for label, topic in (("计量工作情况", "产品全生命周期计量保障"), ("典型做法和先进经验", "测量数据驱动工艺改进")):
        text = narrative(topic)
        field = page.get_by_label(label, exact=True)
        field.fill(text)
        counter = field.locator("xpath=following-sibling::div[contains(@class, 'char-count')]")
        expect(counter).to_contain_text(f"已输入 {len(text)} /")


def answer_self_check(page: Page) -> dict[str, str]:
    """Answer all 33 items (a few 不适用, the rest 符合); returns the answers given."""
    expect_section(page, "自我检查表")
    expect(page.locator(".answer-group")).to_have_count(len(SELF_CHECK_CODES))
    answers = {code: "na" if code in ("1.6.1", "1.6.2") else "yes" for code in SELF_CHECK_CODES}
    for code, value in answers.items():
        # The radios are Bootstrap btn-check inputs (visually hidden): the label is what is clicked.
        page.locator(f'label[for="answer-{code}-{value}"]').click()
        expect(page.locator(f'[id="answer-{code}-{value}"]')).to_be_checked()
    return answers


def upload_business_licence(page: Page, licence_pdf: Path) -> None:
    expect_section(page, "附件")
    fill_form(page, {"附件类型": "营业执照", "文件": licence_pdf})
    click_button(page, "上传")
    expect_flash(page, "附件已上传。")
    uploaded = page.locator("#business_licence li")
    expect(uploaded).to_have_count(1)
    expect(uploaded).to_contain_text("营业执照")
    # The stored file downloads with its name and its exact bytes.
    with page.expect_download() as download_info:
        uploaded.get_by_role("link", name=licence_pdf.name).click()
    download = download_info.value
    assert download.suggested_filename == licence_pdf.name
    assert Path(download.path()).read_bytes() == licence_pdf.read_bytes()


def choose_recommender(page: Page, name: str) -> None:
    expect_section(page, "推荐单位")
    # The list opens on the enterprise's own province (北京市): the national association is not in it.
    expect(page.get_by_label("地区", exact=True)).to_have_value("北京市")
    expect(page.locator(".recommender-list label", has_text="中国计量测试学会")).to_have_count(0)
    page.get_by_role("searchbox", name="名称或地区").fill("北京")  # filters the list as one types
    page.get_by_role("radio", name=re.compile(name)).check()


def sign_pledge(page: Page, signatory: str) -> None:
    expect_section(page, "承诺")
    page.get_by_label(re.compile("^本单位承诺")).check()
    fill_form(page, {"承诺人（法定代表人）": signatory})


def submit_application(page: Page) -> None:
    click_button(page, "提交申报书")


# --- the tests ----------------------------------------------------------------------------------


def test_new_enterprise_fills_in_and_submits_its_application(page: Page, pdf_file, screenshot):
    enterprise = new_enterprise("北京精测仪器仪表有限公司")

    register(page, enterprise)
    screenshot(page, "01_register")
    start_application(page)

    fill_basic_info(page, enterprise)
    screenshot(page, "02_basic")
    click_button(page, "保存并继续")
    expect_flash(page, "“基本信息”已保存。")

    fill_metrology(page)
    screenshot(page, "03_metrology")
    click_button(page, "保存并继续")
    expect_flash(page, "“计量基础情况”已保存。")

    add_certificate(page, pdf_file("质量管理体系认证证书.pdf"))
    screenshot(page, "04_certifications")
    click_link(page, "下一部分：计量工作情况 →")

    fill_narratives(page)
    screenshot(page, "05_narrative")
    click_button(page, "保存并继续")
    expect_flash(page, "“计量工作情况”已保存。")

    answers = answer_self_check(page)
    screenshot(page, "06_selfcheck")
    click_button(page, "保存并继续")
    expect_flash(page, "自我检查表已保存。")

    upload_business_licence(page, pdf_file("营业执照.pdf"))
    screenshot(page, "07_attachments")
    click_link(page, "下一部分：推荐单位 →")

    choose_recommender(page, RECOMMENDER)
    screenshot(page, "08_recommender")
    click_button(page, "保存并继续")
    expect_flash(page, f"已选择推荐单位：{RECOMMENDER}。")

    sign_pledge(page, "张明")
    screenshot(page, "09_pledge")
    click_button(page, "保存并继续")
    expect_flash(page, "“承诺”已保存。")

    # Back on the overview: every section complete, the scale derived on the server too.
    expect(page).to_have_url(re.compile(r"/application/$"))
    expect(page.get_by_text("✓ 完成")).to_have_count(SECTION_COUNT)
    expect(page.locator(".card").first).to_contain_text("大型")
    screenshot(page, "10_overview")

    submit_application(page)
    expect(page).to_have_url(re.compile(r"/application/status$"))
    expect_flash(page, f"申报书已提交至{RECOMMENDER}。")
    expect(page.locator("h1 + .badge")).to_have_text("已提交")
    expect(page.locator("main dl")).to_contain_text(RECOMMENDER)
    screenshot(page, "11_status")

    click_link(page, "返回申报书")
    click_link(page, "打印申报书")
    expect(page).to_have_url(re.compile(r"/application/print$"))
    body = page.locator("body")
    for text in ("工业计量标杆示范单位", "企业计量情况自我检查表", enterprise.name, enterprise.uscc, RECOMMENDER):
        expect(body).to_contain_text(text)
    expect(page.locator(".selfcheck tbody td.c-answer", has_text="√")).to_have_count(
        sum(1 for value in answers.values() if value == "yes")
    )
    expect(page.get_by_text("尚有")).to_have_count(0)  # no "incomplete" warning on a submitted one
    screenshot(page, "12_print")


def test_incomplete_application_lists_what_is_missing_with_links(page: Page, screenshot):
    register(page, new_enterprise("天津恒准计量科技有限公司"))
    start_application(page)
    click_link(page, "返回总览")

    submit_application(page)
    missing = page.locator("#missing")
    expect(missing).to_contain_text("处需要补充或修改")
    links = missing.get_by_role("link")
    expect(links.first).to_contain_text("基本信息：")
    assert links.count() > 1
    screenshot(page, "21_incomplete_overview")

    links.first.click()
    expect(page).to_have_url(re.compile(r"/application/section/basic#\w+$"))
    expect_section(page, "基本信息")
    screenshot(page, "22_incomplete_first_link")
