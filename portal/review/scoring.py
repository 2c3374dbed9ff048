"""Weighted scores: each criterion's score as a share of its range, weighted; totals on a 100 scale."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from portal.applications.models import Application
from portal.review.models import Assignment, Criterion

HUNDRED = Decimal(100)
TWO_PLACES = Decimal("0.01")


def weighted_total(criteria: list[Criterion], values: dict[int, Decimal]) -> Decimal:
    """Σ weight × (score − min) / (max − min), the weights adding up to 100: a total out of 100."""
    total = sum(
        (
            criterion.weight
            * (values[criterion.id] - criterion.min_score)
            / (criterion.max_score - criterion.min_score)
            for criterion in criteria
        ),
        Decimal(0),
    )
    return (total * HUNDRED / sum(c.weight for c in criteria)).quantize(TWO_PLACES, ROUND_HALF_UP)


def rounded_mean(mean) -> Decimal | None:
    """A mean from the database (exact on PostgreSQL, a float on SQLite) to two places, half up."""
    return None if mean is None else Decimal(str(mean)).quantize(TWO_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class ScoreSummary:
    """One candidate's scores across its experts."""

    totals: dict[int, Decimal]  # assignment id -> weighted total, for submitted assignments
    pending: list[Assignment]  # experts who have not submitted

    @property
    def mean(self) -> Decimal | None:
        if not self.totals:
            return None
        return rounded_mean(sum(self.totals.values(), Decimal(0)) / len(self.totals))

    @property
    def spread(self) -> Decimal | None:
        """Highest minus lowest total: a large spread is worth a discussion."""
        return max(self.totals.values()) - min(self.totals.values()) if self.totals else None


def summarise(assignments: list[Assignment]) -> ScoreSummary:
    totals = {a.id: a.total for a in assignments if a.submitted_at is not None}
    return ScoreSummary(totals, [a for a in assignments if a.submitted_at is None])


def expert_scores():
    """Per candidate: 平均分 (the mean of the submitted totals), how many submitted, how many assigned, as
    correlated subqueries on the candidate (``Application``): a page of 50 reads 50 candidates'
    assignments, and sorting 10,000 by their mean reads one stored total per assignment, no score row."""

    def of_candidate(column):
        return (
            select(column).where(Assignment.application_id == Application.id).correlate(Application).scalar_subquery()
        )

    return (
        of_candidate(func.avg(Assignment.total)),
        of_candidate(func.count(Assignment.total)),
        of_candidate(func.count()),
    )
