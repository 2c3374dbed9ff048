"""定期复核 in figures, per round: kept, ordered to rectify, revoked, overdue, on-site coverage — one query."""

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import case, func, select

from portal.core.extensions import db
from portal.rereview.models import OnSiteCheck, ReReview, ReReviewOutcome, ReReviewRound


class RoundFigures(NamedTuple):
    round: ReReviewRound
    units: int = 0
    submitted: int = 0
    kept: int = 0
    kept_plain: int = 0  # kept without having been ordered to rectify
    rectify: int = 0  # ordered to rectify
    revoked: int = 0
    overdue: int = 0
    sampled: int = 0
    checked: int = 0

    @property
    def kept_share(self) -> float | None:
        """Units kept without rectification among those concluded; ``None`` before any conclusion."""
        concluded = self.kept + self.revoked
        return self.kept_plain / concluded if concluded else None

    @property
    def coverage(self) -> float | None:
        """The share of the round's units checked on site."""
        return self.checked / self.units if self.units else None


def _count_where(condition):
    return func.count(case((condition, 1)))


def round_figures(now: datetime, rounds: list[ReReviewRound] | None = None) -> list[RoundFigures]:
    """Figures of ``rounds`` (all, newest first, by default), counted in one grouped query."""
    if rounds is None:
        rounds = list(db.session.scalars(select(ReReviewRound).order_by(ReReviewRound.id.desc())))
    keep = ReReview.outcome == ReReviewOutcome.KEEP
    counts = db.session.execute(
        select(
            ReReview.round_id,
            func.count(ReReview.id),
            func.count(ReReview.submitted_at),
            _count_where(keep),
            _count_where(ReReview.kept_without_rectification_clause()),
            func.count(ReReview.rectification_deadline),
            _count_where(ReReview.outcome == ReReviewOutcome.REVOKE),
            _count_where(ReReview.overdue_clause(now)),
            func.count(ReReview.sample),
            _count_where(ReReview.id.in_(select(OnSiteCheck.re_review_id))),
        )
        .where(ReReview.round_id.in_([r.id for r in rounds]))
        .group_by(ReReview.round_id)
    ).all()
    by_round = {row[0]: row[1:] for row in counts}
    return [RoundFigures(r, *by_round.get(r.id, ())) for r in rounds]
