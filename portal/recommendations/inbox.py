"""The recommender's inbox: one query per page, whatever the number of rows.

Each row carries the self-check counts and the flags a reviewer wants at a glance, computed by
correlated subqueries in the same SELECT instead of a query per application.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select, true

from portal.applications.indicators import answer_count, lapsed_certificates, unbacked_claims
from portal.applications.listing import LISTED_COLUMNS, ListedApplication, listed_row
from portal.applications.models import Application, ApplicationStatus
from portal.campaigns.models import Scale
from portal.core.extensions import db
from portal.core.pagination import Page, paginate

PAGE_SIZE = 25


@dataclass
class InboxRow:
    application: ListedApplication
    yes: int
    no: int
    not_applicable: int
    unbacked_claims: int  # √ on 3.2.x with no matching certificate in force
    lapsed_certificates: int  # expired, suspended or revoked


def inbox_filter(recommender_id: int, campaign_id: int, filters: dict):
    """The WHERE clause of the inbox for these filters (scale, industry, status, region, q)."""
    conditions = [
        Application.recommender_id == recommender_id,
        Application.campaign_id == campaign_id,
        Application.status != ApplicationStatus.DRAFT,
    ]
    if filters.get("scale") in {scale.value for scale in Scale}:
        conditions.append(Application.scale == filters["scale"])
    if filters.get("status") in {status.value for status in ApplicationStatus}:
        conditions.append(Application.status == filters["status"])
    if filters.get("industry"):
        conditions.append(Application.industry == filters["industry"])
    if filters.get("region"):
        conditions.append(Application.province == filters["region"])
    if filters.get("q"):
        conditions.append(Application.org_name.contains(filters["q"].strip()))
    return and_(*conditions)


def inbox_page(recommender_id: int, campaign_id: int, filters: dict, page: int, today: date) -> Page:
    """One page of :class:`InboxRow` and the total count."""
    where = inbox_filter(recommender_id, campaign_id, filters)
    count = select(func.count()).select_from(Application).where(where)
    query = (
        select(
            *LISTED_COLUMNS,
            answer_count("yes"),
            answer_count("no"),
            answer_count("na"),
            unbacked_claims(today),
            lapsed_certificates(today),
        )
        .where(where)
        .order_by(Application.submitted_at.desc(), Application.id.desc())
    )
    return paginate(query, count, page, PAGE_SIZE, listed_row(InboxRow))


def ranking_pool(recommender_id: int, campaign_id: int, ranked_ids: set[int], today: date) -> list[InboxRow]:
    """Accepted applications not yet in the ranked lists, with the inbox's counts and flags."""
    query = (
        select(
            *LISTED_COLUMNS,
            answer_count("yes"),
            answer_count("no"),
            answer_count("na"),
            unbacked_claims(today),
            lapsed_certificates(today),
        )
        .where(
            Application.campaign_id == campaign_id,
            Application.recommender_id == recommender_id,
            Application.status == ApplicationStatus.ACCEPTED,
            Application.id.not_in(ranked_ids) if ranked_ids else true(),
        )
        .order_by(Application.scale, Application.org_name)
    )
    return [listed_row(InboxRow)(*row) for row in db.session.execute(query)]
