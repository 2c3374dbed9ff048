"""The national workbook and the candidate statistics: a small campaign built through the services."""

import os
import shutil
import zipfile
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from portal.accounts.models import OrganisationKind, Role
from portal.applications.models import Application, ApplicationStatus
from portal.core.extensions import db
from portal.core.timeutil import local_today, to_local
from portal.exports.national_workbook import (
    COMPLIANCE_LABEL,
    PUBLISHED_LIST_TITLE,
    UNPUBLISHED_TITLE,
    write_national_workbook,
)
from portal.recommendations.services import accept_application, add_to_ranking, submit_recommendation
from portal.reference import INDUSTRIES, REGIONS
from portal.review import services as review
from portal.review.models import DecisionOutcome, ExpertOpinion
from portal.review.services import CANDIDATE_STATUSES
from portal.review.statistics import compliance_rate, counts_by, self_check_compliance
from portal.selfcheck import SELF_CHECK_CODES, SelfCheckAnswerValue
from tests.factories import (
    PNG_BYTES,
    make_campaign,
    make_expert,
    make_recommender,
    make_staff,
    submitted_application,
    upload,
)

SHEETS = ["候选单位一览", "候选单位汇总", "自查矩阵", "统计", "专家评分", "推荐单位进度", "公布名单", "定期复核"]
FORMULA_NAME = '=HYPERLINK("http://x","y")'
DETAILS = {
    "lead_department": "质量发展处",
    "responsible_person": "李处长",
    "contact_person": "赵敏",
    "contact_phone": "010-66668888",
    "contact_email": "zhaomin@example.gov.cn",
}
# Scores out of 100 on the default rubric, whose weights are 25, 20, 25, 15, 15.
FIRST_EXPERT = ["81.5", "77", "93", "68", "59"]  # (2037.5 + 1540 + 2325 + 1020 + 885) / 100 = 78.075 -> 78.08
SECOND_EXPERT = ["90.02", "85", "88", "72", "96"]  # (2250.5 + 1700 + 2200 + 1080 + 1440) / 100 = 86.705 -> 86.71
# Each expert's total is rounded first: (78.08 + 86.71) / 2 = 82.395 -> 82.40, half up. Averaging the unrounded
# totals would give 82.39, and so would binary floating point.
MEAN_OF_BOTH = 82.4


def _recommend(campaign, recommender, candidates: list[dict]) -> list[Application]:
    """Submit ``candidates`` to ``recommender``, which ranks them in this order and submits its list."""
    staff = make_staff(Role.RECOMMENDER, recommender)
    applications = []
    for candidate in candidates:
        application = submitted_application(
            campaign, recommender, employees=candidate.get("employees", 1200), name=candidate["name"]
        )
        accept_application(application, staff)
        add_to_ranking(application, staff)
        applications.append(application)
    submit_recommendation(campaign, staff, DETAILS, upload(PNG_BYTES, "汇总表盖章.png"))
    return applications


def _answer(application: Application, answers: dict[str, SelfCheckAnswerValue]) -> None:
    for answer in application.self_check_answers:
        answer.answer = answers.get(answer.item_code, answer.answer)


def _score(assignment, values: list, comment: str | None = None, submit: bool = True) -> None:
    criteria = review.rubric(assignment.application.campaign)
    scores = {
        criterion.id: (Decimal(value), comment if number == 0 else None)
        for number, (criterion, value) in enumerate(zip(criteria, values, strict=True))
    }
    review.save_scores(assignment, assignment.expert.user, scores, ExpertOpinion.RECOMMEND, "计量体系完善", submit)


@pytest.fixture
def world(ctx):
    """Five candidates from two recommenders, one applicant left out; three experts; two decisions."""
    campaign = make_campaign()
    reviewer = make_staff(Role.REVIEWER)
    beijing = make_recommender("北京市市场监督管理局")
    association = make_recommender("中国计量协会", kind=OrganisationKind.ASSOCIATION, region="全国")
    left_out = submitted_application(campaign, beijing, name="北京未推荐有限公司")
    accept_application(left_out, make_staff(Role.RECOMMENDER, beijing))
    jingce, formula, hengzhun = _recommend(
        campaign,
        beijing,
        [{"name": "北京精测仪器有限公司"}, {"name": FORMULA_NAME}, {"name": "北京恒准科技有限公司", "employees": 300}],
    )
    zhongheng = submitted_application(campaign, association, name="天津中衡衡器有限公司")
    ruiliang = submitted_application(campaign, association, employees=300, name="上海瑞量电子有限公司")
    zhongheng.province, zhongheng.industry, ruiliang.province = "天津市", "钢铁", "上海市"
    staff = make_staff(Role.RECOMMENDER, association)
    for application in (zhongheng, ruiliang):
        accept_application(application, staff)
        add_to_ranking(application, staff)
    submit_recommendation(campaign, staff, DETAILS, upload(PNG_BYTES, "汇总表盖章.png"))

    no, na = SelfCheckAnswerValue.NO, SelfCheckAnswerValue.NOT_APPLICABLE
    _answer(jingce, {"1.1": no, "1.2": na, "2.1": no})
    _answer(formula, {"1.1": na, "1.2": na})
    _answer(hengzhun, {"1.2": na, "2.1": no, "3.2.2": na, "3.2.3": na})  # claims only what it holds: 正常
    _answer(zhongheng, {"1.2": na, "3.2.2": na, "3.2.3": na})
    _answer(ruiliang, {"1.2": na})
    zhongheng.certifications[0].expires_on = local_today() - timedelta(days=1)  # its ISO 9001 claim lapses

    experts = [
        make_expert(campaign, f"expert{number}", name, organisation, region, None, reviewer)
        for number, (name, organisation, region) in enumerate(
            [("李专家", "中国计量科学研究院", "广东省"), ("周专家", "=1+1", "四川省"), ("吴专家", "清华大学", "湖北省")]
        )
    ]
    first, second, draft = (review.assign(jingce, expert, reviewer) for expert in experts)
    _score(first, FIRST_EXPERT, comment="=1+1")
    _score(second, SECOND_EXPERT)
    _score(draft, [0] * 5, submit=False)  # saved, not submitted: counts nowhere
    _score(review.assign(zhongheng, experts[0], reviewer), [60] * 5)
    review.decide(jingce, DecisionOutcome.SELECTED, "专家评审通过，建议入选", reviewer)
    review.decide(zhongheng, DecisionOutcome.NOT_SELECTED, "证书已过期，暂不入选", reviewer)
    db.session.commit()
    return {
        "campaign": campaign,
        "jingce": jingce,
        "formula": formula,
        "hengzhun": hengzhun,
        "zhongheng": zhongheng,
        "ruiliang": ruiliang,
        "left_out": left_out,
    }


@pytest.fixture
def exported(world):
    path = write_national_workbook(world["campaign"])
    yield path
    os.remove(path)


def _rows(sheet, min_row: int = 2) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=min_row, values_only=True)]


def _candidates(campaign) -> list[Application]:
    return list(
        db.session.scalars(
            select(Application).where(
                Application.campaign_id == campaign.id, Application.status.in_(CANDIDATE_STATUSES)
            )
        )
    )


def test_sheets_and_the_summary_row_of_a_candidate(world, exported):
    workbook = openpyxl.load_workbook(exported)
    assert workbook.sheetnames == SHEETS
    sheet = workbook["候选单位汇总"]
    headers = [cell.value for cell in sheet[1]]
    rows = _rows(sheet)
    assert len(rows) == len(_candidates(world["campaign"])) == 5
    assert world["left_out"].status == ApplicationStatus.NOT_RECOMMENDED
    assert [row[5] for row in rows] == [
        "北京精测仪器有限公司",
        FORMULA_NAME,
        "北京恒准科技有限公司",
        "天津中衡衡器有限公司",
        "上海瑞量电子有限公司",
    ]  # by recommender, scale, rank
    jingce = world["jingce"]
    row = dict(zip(headers, rows[0], strict=True))
    assert row | {"提交时间": None} == {
        "序号": 1,
        "推荐单位": "北京市市场监督管理局",
        "推荐单位类型": "省级市场监管部门",
        "排名": 1,
        "企业规模": "大型",
        "申报单位名称": "北京精测仪器有限公司",
        "统一社会信用代码": jingce.enterprise.uscc,
        "所在地区": "北京市",
        "所处行业": "仪器仪表",
        "联系人": "王工",
        "电话": "13800138000",
        "邮箱": "metrology@example.cn",
        "从业人员": 1200,
        "营业收入（万元）": 50000,
        "资产总额（万元）": 80000,
        "自查√": 30,
        "自查×": 2,
        "自查—": 1,
        "认证情况": "2 项自查称已通过认证，但无有效证书",
        "专家平均分": MEAN_OF_BOTH,
        "已评/应评": "2/3",
        "决定": "入选",
        "提交时间": None,
    }
    assert isinstance(row["提交时间"], datetime)
    assert abs(row["提交时间"] - to_local(jingce.submitted_at).replace(tzinfo=None)) < timedelta(seconds=1)
    by_name = {row[5]: dict(zip(headers, row, strict=True)) for row in rows}
    assert by_name["北京恒准科技有限公司"]["排名"] == 1 and by_name["北京恒准科技有限公司"]["企业规模"] == "中小型"
    assert by_name["北京恒准科技有限公司"]["认证情况"] == "正常"
    assert by_name["天津中衡衡器有限公司"]["认证情况"] == "1 项自查称已通过认证，但无有效证书；1 张证书过期、暂停或撤销"
    assert by_name["天津中衡衡器有限公司"]["专家平均分"] == 60 and by_name["天津中衡衡器有限公司"]["决定"] == "未入选"
    assert (
        by_name["上海瑞量电子有限公司"]["专家平均分"] is None and by_name["上海瑞量电子有限公司"]["已评/应评"] == "0/0"
    )
    assert sheet.cell(2, headers.index("专家平均分") + 1).number_format == "0.00"


def test_every_data_sheet_is_frozen_filtered_and_printed_a4_landscape(exported):
    workbook = openpyxl.load_workbook(exported)
    for name, header_row in (
        ("候选单位汇总", 1),
        ("自查矩阵", 1),
        ("专家评分", 1),
        ("推荐单位进度", 1),
    ):
        sheet = workbook[name]
        assert sheet.freeze_panes in (f"A{header_row + 1}", f"D{header_row + 1}"), name
        assert sheet.auto_filter.ref.startswith(f"A{header_row}:"), name
        assert sheet.print_title_rows == f"$1:${header_row}", name
        assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape", name


def test_self_check_matrix_and_compliance_rates(world, exported):
    sheet = openpyxl.load_workbook(exported)["自查矩阵"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[3:] == SELF_CHECK_CODES
    rows = _rows(sheet)
    rate_index = next(index for index, row in enumerate(rows) if row[2] == COMPLIANCE_LABEL)
    *candidates, rates = rows[: rate_index + 1]
    assert len(candidates) == 5
    # Under the matrix, each code with its item's text.
    legend = {row[2]: row[3] for row in rows[rate_index + 3 :]}
    assert len(legend) == 33 and legend["1.1　1 计量保证大纲"] == "是否对企业产品编制计量保证大纲"
    jingce = dict(zip(headers, candidates[0], strict=True))
    assert (jingce["申报单位名称"], jingce["1.1"], jingce["1.2"], jingce["1.3"]) == (
        "北京精测仪器有限公司",
        "×",
        "—",
        "√",
    )
    assert rates[2] == COMPLIANCE_LABEL
    rate = dict(zip(SELF_CHECK_CODES, rates[3:], strict=True))
    assert rate["1.1"] == 3 / 4  # √ 3, × 1, — 1: the — is not counted
    assert rate["1.2"] is None  # — everywhere: no rate
    assert rate["2.1"] == 3 / 5
    assert rate["3.2.2"] == rate["3.2.3"] == 1 and rate["3.4.7"] == 1
    assert sheet.cell(rate_index + 2, 4).number_format == "0.0%"
    computed = {row.item.code: row for row in self_check_compliance(world["campaign"])}
    assert (computed["1.1"].yes, computed["1.1"].no, computed["1.1"].not_applicable) == (3, 1, 1)
    assert all(computed[code].rate == value for code, value in rate.items())


def test_compliance_rate_leaves_out_not_applicable():
    assert compliance_rate(3, 1) == 0.75
    assert compliance_rate(0, 2) == 0
    assert compliance_rate(0, 0) is None


def _statistics_tables(sheet) -> dict[str, dict[str, int]]:
    """The 统计 sheet's four side-by-side tables: title -> {label: count}."""
    tables = {}
    for first in range(1, sheet.max_column + 1, 4):
        title = sheet.cell(1, first).value
        rows = [(sheet.cell(row, first).value, sheet.cell(row, first + 1).value) for row in range(3, sheet.max_row + 1)]
        tables[title] = [(label, count) for label, count in rows if label is not None]
    return tables


def test_statistics_match_the_database(world, exported):
    candidates = _candidates(world["campaign"])
    expected = {
        "按地区": Counter(application.province for application in candidates),
        "按推荐单位类型": Counter(application.recommender.kind.label for application in candidates),
        "按所处行业": Counter(application.industry for application in candidates),
        "按企业规模": Counter(application.scale.label for application in candidates),
    }
    tables = _statistics_tables(openpyxl.load_workbook(exported)["统计"])
    found = {
        title: {label: count for label, count in rows if count and label != "合计"} for title, rows in tables.items()
    }
    assert found == {title: dict(c) for title, c in expected.items()}
    # Every category in the reference order, zeros included, then 合计.
    assert [label for label, _ in tables["按地区"]] == [*REGIONS, "合计"]
    assert tables["按地区"][:3] == [("北京市", 3), ("天津市", 1), ("河北省", 0)]
    assert [label for label, _ in tables["按所处行业"]] == [*INDUSTRIES, "合计"]
    assert tables["按推荐单位类型"] == [
        ("省级市场监管部门", 3),
        ("省级工业和信息化主管部门", 0),
        ("计划单列市主管部门", 0),
        ("全国性行业协会/学会/联合会", 2),
        ("合计", 5),
    ]
    assert tables["按企业规模"] == [("大型", 3), ("中小型", 2), ("合计", 5)]
    assert counts_by(world["campaign"], "scale") == [("大型", 3), ("中小型", 2)]
    assert counts_by(world["campaign"], "recommender_kind") == [
        ("省级市场监管部门", 3),
        ("全国性行业协会/学会/联合会", 2),
    ]
    with pytest.raises(ValueError):
        counts_by(world["campaign"], "colour")


def test_expert_scores_with_each_experts_weighted_total(exported):
    sheet = openpyxl.load_workbook(exported)["专家评分"]
    rows = _rows(sheet)
    assert len(rows) == 3 * (5 + 1)  # submitted assignments only; the third expert's draft is left out
    first = rows[:6]
    assert first[0][:7] == ["北京精测仪器有限公司", "李专家", "中国计量科学研究院", "过程计量保障", 25, 81.5, "=1+1"]
    assert [row[5] for row in first[:5]] == [float(value) for value in FIRST_EXPERT]
    assert first[5][3:7] == ["加权总分（百分制）", None, 78.08, "建议入选：计量体系完善"]
    assert rows[11][1:6] == ["周专家", "=1+1", "加权总分（百分制）", None, 86.71]
    assert rows[17][0] == "天津中衡衡器有限公司" and rows[17][5] == 60
    assert all(isinstance(row[7], datetime) for row in rows)


def test_recommender_progress(exported):
    sheet = openpyxl.load_workbook(exported)["推荐单位进度"]
    rows = {row[0]: row for row in _rows(sheet)}
    beijing = rows["北京市市场监督管理局"]
    assert beijing[1:7] == ["省级市场监管部门", "北京市", 4, 2, 1, "已报送"]
    assert isinstance(beijing[7], datetime)
    assert rows["中国计量协会"][3:7] == [2, 1, 1, "已报送"]


def test_published_list_has_only_the_selected_and_no_contact_details(world, exported):
    sheet = openpyxl.load_workbook(exported)["公布名单"]
    # Not yet published: titled and marked as such on every printed page.
    assert sheet["A1"].value == UNPUBLISHED_TITLE == "拟入选名单（未公布）"
    assert "A1:E1" in {str(r) for r in sheet.merged_cells.ranges}
    assert "尚未公布" in sheet["A2"].value
    assert UNPUBLISHED_TITLE in sheet.oddHeader.center.text
    assert sheet.page_setup.orientation == "portrait" and sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == "$3:$3"
    assert [cell.value for cell in sheet[3]] == ["序号", "单位名称", "所在地区", "推荐单位", "所处行业"]
    assert _rows(sheet, min_row=4) == [[1, "北京精测仪器有限公司", "北京市", "北京市市场监督管理局", "仪器仪表"]]
    assert all(cell.border.left.style == "thin" for cell in sheet[4])
    text = " ".join(str(value) for row in _rows(sheet, min_row=1) for value in row)
    assert "13800138000" not in text and "@" not in text and "王工" not in text


def test_typed_text_stays_text_and_no_sheet_has_a_formula(exported):
    with zipfile.ZipFile(exported) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
        assert len(sheets) == len(SHEETS)
        for name in sheets:
            xml = archive.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml and "<hyperlink" not in xml, name
    summary = openpyxl.load_workbook(exported)["候选单位汇总"]
    cell = summary["F3"]
    assert cell.value == FORMULA_NAME and cell.data_type == "s"


def test_statistics_run_one_query_each_whatever_the_number_of_candidates(world, count_queries):
    def queries_of_each() -> list[int]:
        db.session.refresh(world["campaign"])  # begins the transaction, which SQLite does with a statement
        counts = []
        for run in [
            *(lambda d=d: counts_by(world["campaign"], d) for d in ("region", "recommender_kind", "industry", "scale")),
            lambda: self_check_compliance(world["campaign"]),
        ]:
            count_queries.clear()
            run()
            counts.append(len(count_queries))
        return counts

    assert queries_of_each() == [1] * 5
    _recommend(
        world["campaign"],
        make_recommender("河北省市场监督管理局", region="河北省"),
        [{"name": "河北一号有限公司"}, {"name": "河北二号有限公司", "employees": 300}],
    )
    db.session.commit()
    assert len(_candidates(world["campaign"])) == 7
    assert queries_of_each() == [1] * 5


def test_export_query_count_does_not_grow_with_the_candidates(world, count_queries):
    def export_queries() -> int:
        count_queries.clear()
        os.remove(write_national_workbook(world["campaign"]))
        return len(count_queries)

    before = export_queries()
    hebei_large, hebei_sme = _recommend(
        world["campaign"],
        make_recommender("河北省市场监督管理局", region="河北省"),
        [{"name": "河北一号有限公司"}, {"name": "河北二号有限公司", "employees": 300}],
    )
    reviewer = make_staff(Role.REVIEWER)
    expert = make_expert(world["campaign"], "expert-hebei", "郑专家", "中国计量大学", "浙江省", None, reviewer)
    _score(review.assign(hebei_large, expert, reviewer), [70] * 5)
    review.decide(hebei_sme, DecisionOutcome.SELECTED, "专家评审通过，建议入选", reviewer)
    db.session.commit()
    assert export_queries() == before


def test_published_list_after_publication_in_region_order_then_associations(world):
    """Regions in GB/T 2260 order, national associations' units after them; the announcement's title."""
    reviewer = make_staff(Role.REVIEWER)
    world["ruiliang"].province = "北京市"  # an association's unit in 北京 still comes after the provinces' units
    review.decide(world["hengzhun"], DecisionOutcome.SELECTED, "专家评审通过", reviewer)
    review.decide(world["ruiliang"], DecisionOutcome.SELECTED, "专家评审通过", reviewer)
    world["campaign"].published_at = datetime(2026, 11, 30, 2, 0)
    db.session.commit()
    path = write_national_workbook(world["campaign"])
    try:
        sheet = openpyxl.load_workbook(path)["公布名单"]
    finally:
        os.remove(path)
    assert sheet["A1"].value == f"{world['campaign'].year}年度{PUBLISHED_LIST_TITLE}"
    assert sheet["A2"].value == "国家市场监督管理总局　工业和信息化部　2026年11月30日"
    assert not sheet.oddHeader.center.text
    assert [row[1] for row in _rows(sheet, min_row=4)] == [
        "北京精测仪器有限公司",
        "北京恒准科技有限公司",
        "上海瑞量电子有限公司",
    ]
    assert all(cell.font.sz is None or cell.font.sz >= 8 for row in sheet.iter_rows() for cell in row)


def test_printable_summary_borders_and_amounts(world, exported):
    workbook = openpyxl.load_workbook(exported)
    printable = workbook["候选单位一览"]
    assert [cell.value for cell in printable[1]] == [
        "序号",
        "推荐单位",
        "排名",
        "企业规模",
        "申报单位名称",
        "所在地区",
        "所处行业",
        "自查√",
        "自查×",
        "自查—",
        "专家平均分",
        "决定",
    ]
    assert printable["E2"].value == "北京精测仪器有限公司"
    assert printable.page_setup.orientation == "landscape" and printable.page_setup.fitToWidth in (None, 1)
    summary = workbook["候选单位汇总"]
    headers = [cell.value for cell in summary[1]]
    revenue = summary.cell(2, headers.index("营业收入（万元）") + 1)
    assert revenue.number_format == "#,##0.00"  # never "50,000." with a trailing dot
    assert all(cell.border.left.style == "thin" for cell in summary[2])  # empty cells bordered too
    assert summary.page_setup.fitToWidth > 1  # 23 columns: over more than one page rather than below 8 pt


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_nothing_prints_below_8_pt(exported, tmp_path):
    from tests.test_documents_summary_sheet import _carlito_or_calibri, convert_to_pdf, font_sizes

    if not _carlito_or_calibri():
        pytest.skip("no Calibri-compatible font (apt-get install fonts-crosextra-carlito)")
    path = tmp_path / "national.xlsx"
    shutil.copy(exported, path)
    from pypdf import PdfReader

    reader = PdfReader(convert_to_pdf(path, tmp_path))
    smallest = min(min(font_sizes(page).values()) for page in reader.pages)
    assert smallest >= 8, smallest
    text = "".join(page.extract_text() for page in reader.pages)
    assert text.count("拟入选名单（未公布）") >= 2  # the sheet's title and its pages' header
