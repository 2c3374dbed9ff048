"""附件2 推荐汇总表 against the notice: texts, the ten numbered rows, the layout, one printed A4 page."""

import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.campaigns.models import Campaign
from portal.core.extensions import db
from portal.exports import recommendation_sheet as sheet_module
from portal.recommendations import services
from tests.conftest import login
from tests.factories import accepted_application, make_campaign, make_recommender, make_staff
from tests.notice import NOTICE, NOTICE_PATH, attachment2, attachment2_headers, attachment2_notes, squash

SHARED_SEED = Path("/work/shared/seeds/002_81741adc9e1d6bfc.txt")
LONG_NAME = "中国航空工业集团有限公司北京长城计量测试技术研究所"


@pytest.fixture
def ranked(app):
    """北京's list: two large candidates (one in the longest industry) and one small/medium."""
    with app.app_context():
        campaign = make_campaign()
        ours = make_recommender("北京市市场监督管理局")
        staff = make_staff(Role.RECOMMENDER, ours, username="beijing")
        large = [accepted_application(campaign, ours, staff) for _ in range(2)]
        large[0].org_name, large[0].industry = LONG_NAME, "生物医药及高性能医疗器械"
        sme = accepted_application(campaign, ours, staff, employees=300)
        for application in (*large, sme):
            services.add_to_ranking(application, staff)
        db.session.commit()
        return campaign.id


def _download(client) -> bytes:
    login(client, "beijing")
    response = client.get("/recommender/ranking/summary.xlsx")
    assert response.status_code == 200
    return response.data


def _texts(sheet) -> list[str]:
    return [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str) and cell.value]


def test_the_copy_of_the_notice_is_the_seed():
    if SHARED_SEED.exists():
        assert NOTICE_PATH.read_text(encoding="utf-8") == SHARED_SEED.read_text(encoding="utf-8")
    assert "工业计量标杆示范单位推荐汇总表" in attachment2()


def test_constants_are_the_notices_words():
    assert sheet_module.ATTACHMENT_LABEL + "\n" in NOTICE
    assert sheet_module.TITLE in attachment2()
    assert squash(sheet_module.RECOMMENDER_LABEL) in squash(attachment2())
    assert [squash(text) for text in sheet_module.HEADERS] == [squash(text) for text in attachment2_headers()]
    # With the notice's thresholds the notes are the notice's notes, character for character.
    assert sheet_module.notes(None) == attachment2_notes()


def test_sheet_has_the_notices_shape_and_words(client, ranked):
    workbook = openpyxl.load_workbook(BytesIO(_download(client)))
    sheet = workbook["推荐汇总表"]
    assert sheet["A1"].value == "附件 2"
    assert sheet["A2"].value == "工业计量标杆示范单位推荐汇总表"
    assert sheet["A3"].value == "推荐单位（盖章）：北京市市场监督管理局"
    assert sheet.row_dimensions[3].height >= 84  # about 3 cm (85 pt, rounded to whole pixels) for the seal
    assert [cell.value for cell in sheet[4]] == [
        "序号",
        "申报单位名称",
        "企业规模",
        "所处行业",
        "联系人",
        "联系方式",
        "邮箱",
    ]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5, max_row=14)]
    assert [row[0] for row in rows] == [str(number) for number in range(1, 11)]
    assert [row[2] for row in rows] == ["大型企业", "大型企业", None, None, None, "中小型企业", None, None, None, None]
    assert rows[0][1] == LONG_NAME and rows[0][3] == "生物医药及高性能医疗器械"
    assert all(value is None for row in (rows[2], rows[6], rows[9]) for value in row[1:])
    for row in sheet.iter_rows(min_row=5, max_row=14):
        assert row[0].alignment.horizontal == "center" and row[2].alignment.horizontal == "center"
        assert all(cell.font.sz >= 10.5 for cell in row)
    notes = [text.lstrip("\u3000") for text in _texts(sheet)[-3:]]
    assert notes == attachment2_notes()
    assert notes[0].startswith("注：1、") and notes[1].startswith("2、") and notes[2].startswith("3、")
    setup = sheet.page_setup
    assert setup.paperSize == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage


def test_a_campaigns_own_thresholds_and_quotas_change_only_numbers(app, client, ranked):
    with app.app_context():
        campaign = db.session.get(Campaign, ranked)
        campaign.large_min_employees, campaign.large_min_revenue = 2000, 25000
        campaign.quota_large, campaign.quota_sme = 3, 4
        db.session.commit()
    workbook = openpyxl.load_workbook(BytesIO(_download(client)))
    sheet = workbook["推荐汇总表"]
    numbers = [sheet.cell(row, 1).value for row in range(5, 12)]
    assert numbers == [str(number) for number in range(1, 8)]
    assert [sheet.cell(row, 3).value for row in range(5, 12)] == [
        "大型企业",
        "大型企业",
        None,
        "中小型企业",
        None,
        None,
        None,
    ]
    notes = [text.lstrip("\u3000") for text in _texts(sheet)[-3:]]
    assert "从业人员在 2000 人以下或年营业收入在 2.5 亿元以下" in notes[0]
    digits = re.compile(r"\d+(\.\d+)?")
    assert [digits.sub("N", note) for note in notes] == [digits.sub("N", note) for note in attachment2_notes()]


def _carlito_or_calibri() -> bool:
    """LibreOffice measures column widths with the workbook's default font, Calibri; without it (or
    its metric twin Carlito, Debian's fonts-crosextra-carlito) columns come out wider than in Excel."""
    if shutil.which("fc-match") is None:
        return False
    found = subprocess.run(["fc-match", "Calibri"], capture_output=True, text=True).stdout
    return "Carlito" in found or "Calibri" in found


def convert_to_pdf(path: Path, outdir: Path) -> Path:
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{outdir}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return outdir / (path.stem + ".pdf")


def font_sizes(page) -> dict[str, float]:
    """Each text run on a PDF page and the size it is printed at (font size × text and page scale)."""
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, _font, size):
        if text.strip():
            sizes[text.strip()] = abs(size * (tm[3] or 1) * (cm[3] or 1))

    page.extract_text(visitor_text=visit)
    return sizes


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_printed_on_one_a4_page_not_below_10_5_pt(client, ranked, tmp_path):
    from pypdf import PdfReader

    path = tmp_path / "summary.xlsx"
    path.write_bytes(_download(client))
    reader = PdfReader(convert_to_pdf(path, tmp_path))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert sorted((round(width), round(height))) == [595, 842]  # A4
    text = squash(page.extract_text())
    for words in ("附件2", "工业计量标杆示范单位推荐汇总表", "生物医药及高性能医疗器械", "3、推荐示范项目排名有先后"):
        assert words in text
    if not _carlito_or_calibri():
        pytest.skip("no Calibri-compatible font (apt-get install fonts-crosextra-carlito): widths differ from Excel")
    sizes = font_sizes(page)
    assert min(sizes.values()) >= 10.4, sorted(sizes.items(), key=lambda item: item[1])[:5]
    # The longest industry name is one run of text: it did not break inside its cell.
    assert "生物医药及高性能医疗器械" in sizes


def test_ranked_entries_without_a_user_are_ours_only(app, client, ranked):
    """Another recommender's sheet has ten empty numbered rows and its own name."""
    with app.app_context():
        other = make_recommender("天津市市场监督管理局", region="天津市")
        make_staff(Role.RECOMMENDER, other, username="tianjin")
        db.session.commit()
        assert db.session.scalar(select(User).where(User.username == "tianjin"))
    login(client, "tianjin")
    sheet = openpyxl.load_workbook(BytesIO(client.get("/recommender/ranking/summary.xlsx").data))["推荐汇总表"]
    assert sheet["A3"].value == "推荐单位（盖章）：天津市市场监督管理局"
    assert [sheet.cell(row, 1).value for row in range(5, 15)] == [str(number) for number in range(1, 11)]
    assert all(sheet.cell(row, column).value is None for row in range(5, 15) for column in range(2, 8))
