"""Weighted scores: each criterion's score as a share of its range, weighted; totals on a 100 scale."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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


@dataclass(frozen=True)
class ScoreSummary:
    """One candidate's scores across its experts."""

    totals: dict[int, Decimal]  # assignment id -> weighted total, for submitted assignments
    pending: list[Assignment]  # experts who have not submitted

    @property
    def mean(self) -> Decimal | None:
        if not self.totals:
            return None
        return (sum(self.totals.values(), Decimal(0)) / len(self.totals)).quantize(TWO_PLACES, ROUND_HALF_UP)

    @property
    def spread(self) -> Decimal | None:
        """Highest minus lowest total: a large spread is worth a discussion."""
        return max(self.totals.values()) - min(self.totals.values()) if self.totals else None


def summarise(criteria: list[Criterion], assignments: list[Assignment]) -> ScoreSummary:
    totals = {}
    pending = []
    for assignment in assignments:
        if assignment.submitted_at is None:
            pending.append(assignment)
        else:
            totals[assignment.id] = weighted_total(criteria, {s.criterion_id: s.value for s in assignment.scores})
    return ScoreSummary(totals, pending)
