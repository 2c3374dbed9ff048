"""Statistics on one campaign's candidates (PORTAL.md §6): counts by category, self-check compliance.

Each function runs one GROUP BY query, whatever the number of candidates. The national workbook
and the dashboard both read them.
"""

from typing import NamedTuple

from sqlalchemy import case, func, select

from portal.accounts.models import Organisation
from portal.applications.models import Application, SelfCheckAnswer
from portal.campaigns.models import Campaign
from portal.core.extensions import db
from portal.core.models_base import LabelledEnum
from portal.review.services import CANDIDATE_STATUSES
from portal.selfcheck import SELF_CHECK_ITEMS, SelfCheckAnswerValue, SelfCheckItem

NOT_GIVEN = "未填写"
# What candidates can be counted by, and the column holding it.
DIMENSIONS = {
    "region": Application.province,
    "recommender_kind": Organisation.kind,
    "industry": Application.industry,
    "scale": Application.scale,
}


class CategoryCount(NamedTuple):
    label: str
    count: int


class ItemCompliance(NamedTuple):
    item: SelfCheckItem
    yes: int
    no: int
    not_applicable: int
    rate: float | None


def is_candidate(campaign: Campaign):
    """The WHERE clause selecting the campaign's candidates (recommended, under review or decided)."""
    return (Application.campaign_id == campaign.id) & Application.status.in_(CANDIDATE_STATUSES)


def counts_by(campaign: Campaign, dimension: str) -> list[CategoryCount]:
    """Candidates per region, recommender kind, industry or scale: the most frequent first, then by label."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; one of {', '.join(DIMENSIONS)}")
    column = DIMENSIONS[dimension]
    query = (
        select(column, func.count())
        .select_from(Application)
        .join(Organisation, Organisation.id == Application.recommender_id)
        .where(is_candidate(campaign))
        .group_by(column)
    )
    counts = [CategoryCount(_label(value), count) for value, count in db.session.execute(query)]
    return sorted(counts, key=lambda row: (-row.count, row.label))


def _label(value) -> str:
    if value is None or value == "":
        return NOT_GIVEN
    return value.label if isinstance(value, LabelledEnum) else value


def compliance_rate(yes: int, no: int) -> float | None:
    """符合率 of one self-check item: √ ÷ (√ + ×).

    Answers — (不适用) are left out of the denominator: an item that does not apply to an enterprise
    neither meets nor fails the requirement. ``None`` when no candidate answered √ or ×.
    """
    return yes / (yes + no) if yes + no else None


def self_check_compliance(campaign: Campaign) -> list[ItemCompliance]:
    """The √ / × / — counts and the compliance rate (:func:`compliance_rate`) of each of the 33 items, in table order."""

    def answered(value: SelfCheckAnswerValue):
        return func.sum(case((SelfCheckAnswer.answer == value, 1), else_=0))

    query = (
        select(
            SelfCheckAnswer.item_code,
            answered(SelfCheckAnswerValue.YES),
            answered(SelfCheckAnswerValue.NO),
            answered(SelfCheckAnswerValue.NOT_APPLICABLE),
        )
        .join(Application, Application.id == SelfCheckAnswer.application_id)
        .where(is_candidate(campaign))
        .group_by(SelfCheckAnswer.item_code)
    )
    counts = {code: (yes, no, na) for code, yes, no, na in db.session.execute(query)}
    rows = []
    for item in SELF_CHECK_ITEMS:
        yes, no, na = counts.get(item.code, (0, 0, 0))
        rows.append(ItemCompliance(item, yes, no, na, compliance_rate(yes, no)))
    return rows
