"""The national workbook (PORTAL.md §6): one campaign's candidates, for the two ministries.

Seven sheets — 候选单位汇总, 自查矩阵, 统计, 专家评分, 推荐单位进度, 公布名单, and 定期复核 (every unit
under re-review, whatever its campaign) — written row by row in
XlsxWriter's constant-memory mode, so memory stays flat whatever the number of candidates. The
queries are a fixed handful plus one per :data:`BATCH` candidates: self-check counts, certificate
flags and the answer matrix are computed in SQL; experts' weighted totals in Python from the scores
(:func:`portal.review.scoring.weighted_total`, exact decimals), a batch of candidates at a time.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from itertools import groupby, zip_longest
from operator import itemgetter

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import RECOMMENDER_KINDS, Enterprise, Organisation, OrganisationKind, User
from portal.applications.indicators import answer_count, lapsed_certificates, unbacked_claims
from portal.applications.models import Application, SelfCheckAnswer
from portal.campaigns.models import Campaign, Scale
from portal.core.extensions import db
from portal.core.timeutil import to_local, utcnow
from portal.exports.spreadsheets import (
    A4,
    AMOUNT,
    COUNT,
    DATETIME,
    PERCENT,
    SCORE,
    Column,
    SheetWriter,
    as_number,
    new_workbook,
)
from portal.recommendations.models import RankingEntry
from portal.reference import INDUSTRIES, REGIONS
from portal.rereview.models import ReReview
from portal.review.models import Assignment, Criterion, Decision, DecisionOutcome, ExpertProfile, Score
from portal.review.progress import recommender_progress
from portal.review.scoring import expert_scores, rounded_mean
from portal.review.statistics import counts_by, is_candidate, self_check_compliance
from portal.selfcheck import SELF_CHECK_ITEMS

BATCH = 500
TOTAL_LABEL = "合计"
LEGEND_SPAN = 8  # code columns under which the 自查矩阵's legend writes each item's text
PUBLISHED_LIST_TITLE = "工业计量标杆示范单位名单"
# Before publication the 公布名单 sheet holds decisions nobody may quote yet: this title and this mark,
# printed in the header of every page.
UNPUBLISHED_TITLE = "拟入选名单（未公布）"
WEIGHTED_TOTAL_LABEL = "加权总分（百分制）"
COMPLIANCE_LABEL = "符合率 = √ ÷（√ + ×）"

SUMMARY_COLUMNS = [
    Column("序号", 6, COUNT),
    Column("推荐单位", 24),
    Column("推荐单位类型", 28),
    Column("排名", 6, COUNT),
    Column("企业规模", 9),
    Column("申报单位名称", 30),
    Column("统一社会信用代码", 21),
    Column("所在地区", 10),
    Column("所处行业", 16),
    Column("联系人", 10),
    Column("电话", 14),
    Column("邮箱", 22),
    Column("从业人员", 9, COUNT),
    Column("营业收入（万元）", 17, AMOUNT),
    Column("资产总额（万元）", 17, AMOUNT),
    Column("自查√", 7, COUNT),
    Column("自查×", 7, COUNT),
    Column("自查—", 7, COUNT),
    Column("认证情况", 60),
    Column("专家平均分", 10, SCORE),
    Column("已评/应评", 9),
    Column("决定", 8),
    Column("提交时间", 16, DATETIME),
]
# 候选单位一览: the key columns of 候选单位汇总, to print (one A4 landscape page wide at 100 %).
PRINTABLE_SUMMARY = [
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
PRINTABLE_WIDTHS = {"推荐单位": 26, "申报单位名称": 30, "排名": 5, "序号": 5, "自查√": 6, "自查×": 6, "自查—": 6}
MATRIX_COLUMNS = [Column("序号", 6, COUNT), Column("推荐单位", 24), Column("申报单位名称", 30)] + [
    Column(item.code, 7) for item in SELF_CHECK_ITEMS
]
SCORE_COLUMNS = [
    Column("申报单位名称", 30),
    Column("专家", 10),
    Column("专家单位", 24),
    Column("评分项", 20),
    Column("权重", 7, AMOUNT),
    Column("分数", 8, SCORE),
    Column("评语", 40),
    Column("提交时间", 16, DATETIME),
]
PROGRESS_COLUMNS = [
    Column("推荐单位", 28),
    Column("类型", 24),
    Column("地区", 10),
    Column("收到申报", 9, COUNT),
    Column("大型", 7, COUNT),
    Column("中小型", 7, COUNT),
    Column("状态", 16),
    Column("报送时间", 16, DATETIME),
]
# Portrait A4 at 100 %: names and recommenders wrap, 所处行业 holds 生物医药及高性能医疗器械 on one line.
PUBLISHED_COLUMNS = [
    Column("序号", 5, COUNT),
    Column("单位名称", 27),
    Column("所在地区", 15),
    Column("推荐单位", 20),
    Column("所处行业", 25),
]
REREVIEW_COLUMNS = [
    Column("单位名称", 30),
    Column("所在地区", 15),
    Column("入选批次", 44),
    Column("复核轮数", 9, COUNT),
    Column("最近一轮", 28),
    Column("本轮状态", 11),
    Column("最近结论", 9),
    Column("整改要求", 50),
    Column("整改期限", 16, DATETIME),
    Column("抽中现场检查", 12),
    Column("现场检查结果", 12),
]
# The 统计 sheet: (dimension of counts_by, table title, first column's title).
STATISTICS = [
    ("region", "按地区", "地区"),
    ("recommender_kind", "按推荐单位类型", "推荐单位类型"),
    ("industry", "按所处行业", "所处行业"),
    ("scale", "按企业规模", "企业规模"),
]


def write_national_workbook(campaign: Campaign) -> str:
    """Write the workbook to a temporary ``.xlsx`` file and return its path (the caller removes it)."""
    now = utcnow()
    _skip_jit_compilation()
    workbook, path = new_workbook()
    writer = SheetWriter(workbook)
    today = to_local(now).date()
    _write_printable_summary(writer, workbook.add_worksheet("候选单位一览"), campaign, today)
    writer.table(workbook.add_worksheet("候选单位汇总"), SUMMARY_COLUMNS, candidate_rows(campaign, today))
    _write_self_check_matrix(writer, workbook.add_worksheet("自查矩阵"), campaign)
    _write_statistics(writer, workbook.add_worksheet("统计"), campaign)
    writer.table(workbook.add_worksheet("专家评分"), SCORE_COLUMNS, expert_score_rows(campaign))
    writer.table(workbook.add_worksheet("推荐单位进度"), PROGRESS_COLUMNS, recommender_progress_rows(campaign, now))
    _write_published_list(writer, workbook.add_worksheet("公布名单"), campaign)
    writer.table(workbook.add_worksheet("定期复核"), REREVIEW_COLUMNS, rereview_rows(now), frozen_columns=1)
    workbook.close()
    return path


def _skip_jit_compilation() -> None:
    """Turn PostgreSQL's JIT off for this transaction.

    The candidate query's per-row subqueries look costly to the planner, so PostgreSQL compiles it,
    which took 0.7 s for 10,000 candidates while the query itself ran in 0.35 s.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


# --- 候选单位汇总 ---------------------------------------------------------------------------------


def _write_printable_summary(writer: SheetWriter, sheet, campaign: Campaign, today: date) -> None:
    """候选单位一览: the key columns of 候选单位汇总, one page wide at full size; 候选单位汇总 has them all."""
    titles = [column.title for column in SUMMARY_COLUMNS]
    picked = [titles.index(title) for title in PRINTABLE_SUMMARY]
    columns = [
        SUMMARY_COLUMNS[index]._replace(
            width=PRINTABLE_WIDTHS.get(SUMMARY_COLUMNS[index].title, SUMMARY_COLUMNS[index].width)
        )
        for index in picked
    ]
    rows = ([row[index] for index in picked] for row in candidate_rows(campaign, today))
    writer.table(sheet, columns, rows)


def _in_order(column, values: list):
    """An ORDER BY key putting ``column`` in the order of ``values`` (anything else last)."""
    return case({value: index for index, value in enumerate(values)}, value=column, else_=len(values))


def _candidate_order():
    """The workbook's order of candidates, as ORDER BY keys.

    By recommender — kinds in the notice's order (market regulators, industry authorities,
    associations), then regions in the official order, then as created, like the reviewers'
    progress page — then large before small/medium, then rank. Every key is a number, cheaper
    to sort than names compared by collation.
    """
    return (
        _in_order(Organisation.kind, RECOMMENDER_KINDS),
        _in_order(Organisation.region, REGIONS),
        Organisation.id,
        _in_order(Application.scale, list(Scale)),
        RankingEntry.rank,
        Application.id,
    )


def candidate_order():
    """The workbook's order of candidates (recommender kind, region in GB/T 2260 order, recommender,
    scale, rank), for the candidates page's default sort as well."""
    return _candidate_order()


def _candidates(campaign: Campaign, *columns):
    """SELECT ``columns`` over the campaign's candidates, with their recommender and rank, in order."""
    return (
        select(*columns)
        .select_from(Application)
        .join(Organisation, Organisation.id == Application.recommender_id)
        .outerjoin(RankingEntry, RankingEntry.application_id == Application.id)
        .where(is_candidate(campaign))
        .order_by(*_candidate_order())
    )


def candidate_rows(campaign: Campaign, today: date) -> Iterator[list]:
    """One row per candidate, as :data:`SUMMARY_COLUMNS`; certificates are judged in force on ``today``."""
    query = (
        _candidates(
            campaign,
            Application.id,
            Organisation.name,
            Organisation.kind,
            RankingEntry.rank,
            Application.scale,
            Application.org_name,
            Enterprise.uscc,
            Application.province,
            Application.industry,
            Application.contact_name,
            Application.contact_phone,
            Application.contact_email,
            Application.employees,
            Application.revenue,
            Application.total_assets,
            answer_count("yes"),
            answer_count("no"),
            answer_count("na"),
            unbacked_claims(today),
            lapsed_certificates(today),
            *expert_scores(),
            Decision.outcome,
            Application.submitted_at,
        )
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .outerjoin(Decision, Decision.application_id == Application.id)
        .execution_options(yield_per=BATCH)
    )
    number = 0
    for batch in db.session.execute(query).partitions():
        for (
            _application_id,
            recommender,
            recommender_kind,
            rank,
            scale,
            org_name,
            uscc,
            province,
            industry,
            contact_name,
            contact_phone,
            contact_email,
            employees,
            revenue,
            total_assets,
            yes,
            no,
            not_applicable,
            unbacked,
            lapsed,
            mean,
            scored,
            assigned,
            outcome,
            submitted_at,
        ) in batch:
            number += 1
            yield [
                number,
                recommender,
                recommender_kind.label,
                rank,
                _label(scale),
                org_name,
                uscc,
                province,
                industry,
                contact_name,
                contact_phone,
                contact_email,
                employees,
                as_number(revenue),
                as_number(total_assets),
                yes,
                no,
                not_applicable,
                certification_status(unbacked, lapsed),
                as_number(rounded_mean(mean)),
                f"{scored}/{assigned}",
                _label(outcome),
                _local(submitted_at),
            ]


def certification_status(unbacked_claims: int, lapsed_certificates: int) -> str:
    """认证情况 in words: what a reviewer should check, or 正常."""
    flags = []
    if unbacked_claims:
        flags.append(f"{unbacked_claims} 项自查称已通过认证，但无有效证书")
    if lapsed_certificates:
        flags.append(f"{lapsed_certificates} 张证书过期、暂停或撤销")
    return "；".join(flags) or "正常"


# --- 自查矩阵 -------------------------------------------------------------------------------------


def self_check_rows(campaign: Campaign) -> Iterator[list]:
    """One row per candidate, as :data:`MATRIX_COLUMNS`: the 33 answers as √ × —, pivoted in SQL.

    Grouped by the candidate (and the primary keys of the joined rows, which PostgreSQL needs) rather
    than joined to a grouped subquery, which PostgreSQL may rescan for every candidate.
    """
    answers = (
        func.max(case((SelfCheckAnswer.item_code == item.code, SelfCheckAnswer.answer))) for item in SELF_CHECK_ITEMS
    )
    query = (
        _candidates(campaign, Organisation.name, Application.org_name, *answers)
        .outerjoin(SelfCheckAnswer, SelfCheckAnswer.application_id == Application.id)
        .group_by(Application.id, Organisation.id, RankingEntry.id)
        .execution_options(yield_per=BATCH)
    )
    for number, (recommender, org_name, *marks) in enumerate(db.session.execute(query), start=1):
        yield [number, recommender, org_name, *(mark.label if mark else None for mark in marks)]


def _write_self_check_matrix(writer: SheetWriter, sheet, campaign: Campaign) -> None:
    """The matrix, then a last row with each item's compliance rate, outside the filtered range."""
    last = writer.table(sheet, MATRIX_COLUMNS, self_check_rows(campaign), frozen_columns=3)
    rate_row = last + 1
    sheet.write_string(rate_row, 2, COMPLIANCE_LABEL, writer.header)
    for index, compliance in enumerate(self_check_compliance(campaign), start=3):
        if compliance.rate is not None:
            sheet.write_number(rate_row, index, compliance.rate, writer.percent)
    # Each code's item, in the notice's words, so the printed matrix reads without the notice at hand.
    # The text spans the first LEGEND_SPAN code columns only, so that it prints on the matrix's first page.
    legend = rate_row + 2
    sheet.write_string(legend, 2, "自查项目", writer.header)
    sheet.merge_range(legend, 3, legend, 2 + LEGEND_SPAN, "主要内容", writer.header)
    for offset, item in enumerate(SELF_CHECK_ITEMS, start=1):
        sheet.set_row(legend + offset, 30)
        sheet.write_string(legend + offset, 2, f"{item.code}　{item.topic}", writer.wrapped)
        sheet.merge_range(legend + offset, 3, legend + offset, 2 + LEGEND_SPAN, item.content, writer.wrapped)


# --- 统计 -----------------------------------------------------------------------------------------


def _categories(dimension: str) -> list[str]:
    """Every category of a 统计 table, in the reference order (regions in GB/T 2260 order)."""
    return {
        "region": REGIONS,
        "recommender_kind": [kind.label for kind in RECOMMENDER_KINDS],
        "industry": INDUSTRIES,
        "scale": [scale.label for scale in Scale],
    }[dimension]


def statistics_tables(campaign: Campaign) -> list[list[list]]:
    """The four tables of :data:`STATISTICS`: every category in reference order, zeros included (and
    any other value found, such as 未填写, after them), then a 合计 row; rows of (label, count, share)."""
    tables = []
    for dimension, _, _ in STATISTICS:
        found = {row.label: row.count for row in counts_by(campaign, dimension)}
        categories = _categories(dimension)
        labels = categories + sorted(label for label in found if label not in categories)
        total = sum(found.values())
        rows = [[label, found.get(label, 0), found.get(label, 0) / total if total else None] for label in labels]
        tables.append([*rows, [TOTAL_LABEL, total, 1.0 if total else None]])
    return tables


def _write_statistics(writer: SheetWriter, sheet, campaign: Campaign) -> None:
    """The tables side by side, a blank column apart, so one frozen header serves them all.

    No autofilter: filtering one table's rows would hide the rows of the others.
    """
    columns: list[Column] = []
    for _, title, label in STATISTICS:
        writer.title_row(sheet, title, len(columns), len(columns) + 2, writer.header)
        columns += [Column(label, 22), Column("候选单位数", 10, COUNT), Column("占比", 8, PERCENT), Column("", 3)]
    columns.pop()  # no blank column after the last table
    rows = (
        [value for table_row in row for value in (*table_row, None)][:-1]
        for row in zip_longest(*statistics_tables(campaign), fillvalue=[None, None, None])
    )
    writer.table(sheet, columns, rows, header_row=1, filtered=False)


# --- 专家评分 -------------------------------------------------------------------------------------


def expert_score_rows(campaign: Campaign) -> Iterator[list]:
    """Each submitted assignment's scores, one row per criterion, then a row with its weighted total.

    Candidates are numbered in order first: sorting 150,000 scores by that one number took PostgreSQL
    1.6 s where the full order's keys took 2.4 s.
    """
    criteria = {
        criterion_id: (name, float(weight))
        for criterion_id, name, weight in db.session.execute(
            select(Criterion.id, Criterion.name, Criterion.weight).where(Criterion.campaign_id == campaign.id)
        )
    }
    positions = (
        _candidates(
            campaign,
            Application.id.label("application_id"),
            func.row_number().over(order_by=_candidate_order()).label("position"),
        )
        .order_by(None)
        .subquery()
    )
    query = (
        select(
            Assignment.id,
            Score.criterion_id,
            Score.value,
            Score.comment,
            Application.org_name,
            User.display_name,
            ExpertProfile.organisation,
            Assignment.submitted_at,
            Assignment.opinion,
            Assignment.comment,
            Assignment.total,
        )
        .select_from(positions)
        .join(Application, Application.id == positions.c.application_id)
        .join(Assignment, Assignment.application_id == Application.id)
        .join(ExpertProfile, ExpertProfile.id == Assignment.expert_id)
        .join(User, User.id == ExpertProfile.user_id)
        .join(Score, Score.assignment_id == Assignment.id)
        .join(Criterion, Criterion.id == Score.criterion_id)
        .where(Assignment.submitted_at.is_not(None))
        .order_by(positions.c.position, Assignment.id, Criterion.position)
        .execution_options(yield_per=BATCH)
    )
    for _, group in groupby(db.session.execute(query), key=itemgetter(0)):
        scores = list(group)
        *_, org_name, expert, expert_organisation, submitted_at, opinion, overall_comment, total = scores[0]
        submitted_at = _local(submitted_at)
        for _, criterion_id, value, comment, *_ in scores:
            criterion, weight = criteria[criterion_id]
            yield [org_name, expert, expert_organisation, criterion, weight, float(value), comment, submitted_at]
        opinion_text = "：".join(filter(None, (_label(opinion), overall_comment)))
        yield [
            org_name,
            expert,
            expert_organisation,
            WEIGHTED_TOTAL_LABEL,
            None,
            float(total),
            opinion_text or None,
            submitted_at,
        ]


# --- 推荐单位进度 ---------------------------------------------------------------------------------


def recommender_progress_rows(campaign: Campaign, now: datetime) -> Iterator[list]:
    for progress in recommender_progress(campaign):
        organisation = progress.organisation
        yield [
            organisation.name,
            organisation.kind.label,
            organisation.region,
            progress.received,
            progress.large,
            progress.sme,
            progress.state(campaign, now),
            _local(progress.submitted_at),
        ]


# --- 定期复核 -------------------------------------------------------------------------------------


def rereview_rows(now: datetime) -> Iterator[list]:
    """Each unit ever re-reviewed: its rounds, its latest round's state, its last conclusion, the open
    rectification and its deadline, and whether the latest round sampled it for an on-site check."""
    rounds, last_outcome = defaultdict(int), {}
    for application_id, outcome in db.session.execute(
        select(ReReview.application_id, ReReview.outcome).order_by(ReReview.id)
    ):
        rounds[application_id] += 1
        last_outcome[application_id] = outcome or last_outcome.get(application_id)
    latest = select(func.max(ReReview.id)).group_by(ReReview.application_id)
    reviews = db.session.scalars(
        select(ReReview)
        .join(Application, Application.id == ReReview.application_id)
        .where(ReReview.id.in_(latest))
        .options(
            joinedload(ReReview.application).joinedload(Application.campaign),
            joinedload(ReReview.round),
            selectinload(ReReview.checks),
        )
        .order_by(_in_order(Application.province, REGIONS), Application.org_name)
    )
    for review in reviews:
        application, open_rectification = review.application, review.rectification_open
        yield [
            application.org_name,
            application.province,
            application.campaign.name,
            rounds[application.id],
            review.round.name,
            review.state_at(now).label,
            last_outcome[application.id].label if last_outcome[application.id] else None,
            review.rectification_required if open_rectification else None,
            _local(review.rectification_deadline) if open_rectification else None,
            "是" if review.sample else "否",
            review.checks[-1].result_label if review.checks else None,
        ]


# --- 公布名单 -------------------------------------------------------------------------------------


def published_list_rows(campaign: Campaign) -> Iterator[list]:
    """The candidates decided 入选, in the announcement's order. No contact details.

    Units recommended by provinces by administrative division in GB/T 2260 order (北京, 天津, 河北 …
    新疆, then 新疆生产建设兵团), those recommended by national associations after them; then by
    recommender, large before small/medium, and rank.
    """
    query = (
        select(Application.org_name, Application.province, Organisation.name, Application.industry)
        .join(Organisation, Organisation.id == Application.recommender_id)
        .join(Decision, Decision.application_id == Application.id)
        .where(is_candidate(campaign), Decision.outcome == DecisionOutcome.SELECTED)
        .order_by(*published_order())
    )
    for number, row in enumerate(db.session.execute(query), start=1):
        yield [number, *row]


def published_order():
    """ORDER BY keys of the published list (needs ``Application`` joined with its recommender
    ``Organisation``), shared with the public page ``/units``."""
    rank = select(RankingEntry.rank).where(RankingEntry.application_id == Application.id).scalar_subquery()
    return (
        case((Organisation.kind == OrganisationKind.ASSOCIATION, 1), else_=0),
        _in_order(Application.province, REGIONS),
        Application.province,
        _in_order(Organisation.kind, RECOMMENDER_KINDS),
        Organisation.id,
        _in_order(Application.scale, list(Scale)),
        rank,
        Application.org_name,
    )


def published_list_heading(campaign: Campaign) -> tuple[str, str]:
    """The sheet's title and the line under it: the announcement's, or the unpublished mark."""
    if campaign.published_at is None:
        return UNPUBLISHED_TITLE, f"{campaign.year}年度{PUBLISHED_LIST_TITLE}（评审结果，尚未公布，不得对外引用）"
    published = to_local(campaign.published_at).date()
    issued = f"{'　'.join(campaign.issuer_names)}　{published.year}年{published.month}月{published.day}日"
    return f"{campaign.year}年度{PUBLISHED_LIST_TITLE}", issued


def _write_published_list(writer: SheetWriter, sheet, campaign: Campaign) -> None:
    """Portrait A4, bordered, the header row repeated on every page; before publication every printed
    page carries 拟入选名单（未公布） in its header."""
    title, subtitle = published_list_heading(campaign)
    last_column = len(PUBLISHED_COLUMNS) - 1
    for index, column in enumerate(PUBLISHED_COLUMNS):
        sheet.set_column(index, index, column.width)
    sheet.set_row(0, 36)
    writer.title_row(sheet, title, 0, last_column)
    sheet.set_row(1, 24)
    sheet.merge_range(1, 0, 1, last_column, subtitle, writer.subtitle)
    sheet.set_row(2, 24)
    for index, column in enumerate(PUBLISHED_COLUMNS):
        sheet.write_string(2, index, column.title, writer.bordered_header)
    for row_index, values in enumerate(published_list_rows(campaign), start=3):
        sheet.set_row(row_index, 30)
        sheet.write_number(row_index, 0, values[0], writer.bordered_centre)
        for column_index, value in enumerate(values[1:], start=1):
            cell_format = writer.bordered_centre if column_index == 2 else writer.bordered
            sheet.write_string(row_index, column_index, value or "", cell_format)
    sheet.set_paper(A4)
    sheet.set_portrait()
    sheet.set_margins(left=0.5, right=0.5, top=0.8, bottom=0.7)
    sheet.center_horizontally()
    sheet.repeat_rows(2)
    sheet.fit_to_pages(1, 0)
    if campaign.published_at is None:
        sheet.set_header(f"&C&14&B{UNPUBLISHED_TITLE}", {"margin": 0.3})
    sheet.set_footer("&C第 &P 页 共 &N 页")


# --- values ---------------------------------------------------------------------------------------


def _label(value) -> str | None:
    return value.label if value is not None else None


def _local(value: datetime | None) -> datetime | None:
    """A stored UTC time as Asia/Shanghai wall time, without a zone (Excel has none)."""
    return to_local(value).replace(tzinfo=None) if value is not None else None
