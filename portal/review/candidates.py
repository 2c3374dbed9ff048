"""Every recommended candidate of a campaign, filtered, sorted and paged: one query per page.

The mean score averages each submitted assignment's stored weighted total (:func:`portal.review.scoring.expert_scores`).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, select

from portal.accounts.models import Organisation
from portal.applications.indicators import answer_count, lapsed_certificates, unbacked_claims
from portal.applications.listing import LISTED_COLUMNS, ListedApplication, listed_row
from portal.applications.models import Application
from portal.campaigns.models import Campaign, Scale
from portal.core.extensions import db
from portal.core.pagination import Page, paginate
from portal.exports.national_workbook import candidate_order
from portal.recommendations.models import RankingEntry
from portal.review.models import Decision, DecisionOutcome
from portal.review.scoring import expert_scores, rounded_mean
from portal.review.services import CANDIDATE_STATUSES

PAGE_SIZE = 50


@dataclass
class CandidateRow:
    application: ListedApplication
    recommender: str
    rank: int | None
    yes: int
    no: int
    not_applicable: int
    unbacked_claims: int
    lapsed_certificates: int
    mean_score: Decimal | None
    scored: int
    assigned: int
    decision: DecisionOutcome | None


SORTS = {
    # The national workbook's order: recommender kind, region in GB/T 2260 order, recommender, scale, rank.
    "recommender": lambda c: candidate_order(),
    "score": lambda c: (c["mean"].desc().nulls_last(), Application.id),
    "name": lambda c: (Application.org_name,),
    "selfcheck": lambda c: (c["yes"].desc(), Application.id),
    "region": lambda c: (Application.province, Application.org_name),
}
SORT_LABELS = {
    "recommender": "推荐单位、排名",
    "score": "平均分",
    "name": "单位名称",
    "selfcheck": "自查符合项",
    "region": "地区",
}


def _conditions(campaign: Campaign, filters: dict) -> list:
    conditions = [Application.campaign_id == campaign.id, Application.status.in_(CANDIDATE_STATUSES)]
    if filters.get("scale") in {scale.value for scale in Scale}:
        conditions.append(Application.scale == filters["scale"])
    for name, column in (("industry", Application.industry), ("region", Application.province)):
        if filters.get(name):
            conditions.append(column == filters[name])
    if filters.get("recommender"):
        conditions.append(Organisation.name.contains(filters["recommender"], autoescape=True))
    if filters.get("decision") == "none":
        conditions.append(Decision.id.is_(None))
    elif filters.get("decision") in {outcome.value for outcome in DecisionOutcome}:
        conditions.append(Decision.outcome == filters["decision"])
    if filters.get("q"):
        conditions.append(Application.org_name.contains(filters["q"], autoescape=True))
    return conditions


def _joined(query):
    """The recommender's name, the candidate's rank and the decision, for filters and columns."""
    return (
        query.join(Organisation, Organisation.id == Application.recommender_id)
        .outerjoin(RankingEntry, RankingEntry.application_id == Application.id)
        .outerjoin(Decision, Decision.application_id == Application.id)
    )


def _rows_query(campaign: Campaign, filters: dict, today: date, extra=()):
    """The candidates matching ``filters`` (and ``extra`` conditions), in the chosen order, and their count."""
    mean, scored, assigned = expert_scores()
    columns = {"mean": mean, "yes": answer_count("yes")}
    where = and_(*_conditions(campaign, filters), *extra)
    count = _joined(select(func.count()).select_from(Application)).where(where)
    order = SORTS.get(filters.get("sort"), SORTS["recommender"])(columns)
    query = (
        _joined(
            select(
                *LISTED_COLUMNS,
                Organisation.name,
                RankingEntry.rank,
                columns["yes"],
                answer_count("no"),
                answer_count("na"),
                unbacked_claims(today),
                lapsed_certificates(today),
                mean,
                scored,
                assigned,
                Decision.outcome,
            )
        )
        .where(where)
        .order_by(*order)
    )
    return query, count


def _rounded(rows: list[CandidateRow]) -> list[CandidateRow]:
    for row in rows:
        row.mean_score = rounded_mean(row.mean_score)
    return rows


def candidates_page(campaign: Campaign, filters: dict, page: int, today: date, page_size: int = PAGE_SIZE) -> Page:
    """One page of :class:`CandidateRow` and the total matching the filters."""
    query, count = _rows_query(campaign, filters, today)
    page = paginate(query, count, page, page_size, listed_row(CandidateRow))
    _rounded(page.rows)
    return page


# --- choosing candidates for a bulk decision ----------------------------------------------------

BULK_LIMIT = 500  # more than a campaign's candidates (34 recommenders × 10), fewer than a runaway post


def candidate_rows(campaign: Campaign, filters: dict, today: date, ids: list[int] | None = None) -> list[CandidateRow]:
    """Every candidate matching ``filters`` (only those of ``ids`` when given), in the list's order."""
    extra = (Application.id.in_(ids),) if ids is not None else ()
    query, _count = _rows_query(campaign, filters, today, extra)
    build = listed_row(CandidateRow)
    return _rounded([build(*values) for values in db.session.execute(query.limit(BULK_LIMIT + 1))])


def rows_with_mean_at_least(rows: list[CandidateRow], minimum: Decimal) -> list[CandidateRow]:
    """均分 ≥ ``minimum``, on the mean as the list shows it (two places); unscored candidates never match."""
    return [row for row in rows if row.mean_score is not None and row.mean_score >= minimum]


def top_by_mean_per_scale(rows: list[CandidateRow], top: int) -> tuple[list[CandidateRow], list[str]]:
    """Each scale's ``top`` candidates by mean score (unscored ones never), and the ties cut at the boundary.

    Equal means are ordered as the list is (``rows``' order); a candidate left out with the same mean as
    the last one taken is named in the second list, so the reviewer sees the cut before deciding.
    """
    chosen: list[CandidateRow] = []
    ties: list[str] = []
    for scale in Scale:
        scored = sorted(
            (row for row in rows if row.application.scale == scale and row.mean_score is not None),
            key=lambda row: -row.mean_score,
        )
        taken = scored[:top]
        chosen += taken
        if taken and len(scored) > top and scored[top].mean_score == taken[-1].mean_score:
            ties += [row.application.display_name for row in scored[top:] if row.mean_score == taken[-1].mean_score]
    order = {id(row): number for number, row in enumerate(rows)}
    return sorted(chosen, key=lambda row: order[id(row)]), ties
