"""A unit's 定期复核 across rounds: each round's self-check answers against the round before.

The first round compares with the application's answers; a unit imported without answers compares
with nothing, so every answer of its first round shows as new.
"""

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.applications.models import Application
from portal.core.extensions import db
from portal.rereview.models import OnSiteCheck, ReReview, ReReviewCertificate
from portal.selfcheck import SELF_CHECK_ITEMS, SelfCheckItem

_REVIEW_FILES = (
    ReReview.evidence_file,
    ReReview.rectification_basis,
    ReReview.rectification_report,
    ReReview.rectification_evidence,
)


class AnswerChange(NamedTuple):
    item: SelfCheckItem
    before: str  # the answer's label, "" when there was none
    after: str
    remark: str  # the remark of the answer after, "" when there is none

    @property
    def changed(self) -> bool:
        return self.before != self.after


class RoundRecord(NamedTuple):
    review: ReReview
    changes: list[AnswerChange]


def history_of(application: Application) -> list[ReReview]:
    """The unit's re-reviews, oldest first, with what the history page shows of each loaded up front."""
    return list(
        db.session.scalars(
            select(ReReview)
            .where(ReReview.application_id == application.id)
            .options(
                joinedload(ReReview.round),
                selectinload(ReReview.answers),
                selectinload(ReReview.checks).joinedload(OnSiteCheck.report_file),
                selectinload(ReReview.certificates).options(
                    joinedload(ReReviewCertificate.certificate_file), joinedload(ReReviewCertificate.audit_report_file)
                ),
                *(joinedload(file) for file in _REVIEW_FILES),
            )
            .order_by(ReReview.id)
        )
    )


def answer_label(answer) -> str:
    return answer.answer.label if answer is not None and answer.answer is not None else ""


def answers_before(review: ReReview, history: list[ReReview]) -> dict:
    """The answers ``review`` is compared with: the unit's previous round, else its application (maybe none)."""
    earlier = [r for r in history if r.id < review.id]
    return earlier[-1].answers_by_code() if earlier else review.application.answers_by_code()


def answer_comparison(before: dict, after: dict) -> list[AnswerChange]:
    """Every item of the self-check table with its answer before and after ``{code: answer}``."""
    return [
        AnswerChange(
            item,
            answer_label(before.get(item.code)),
            answer_label(answer := after.get(item.code)),
            (answer.remark or "") if answer is not None else "",
        )
        for item in SELF_CHECK_ITEMS
    ]


def answer_changes(before: dict, after: dict) -> list[AnswerChange]:
    return [change for change in answer_comparison(before, after) if change.changed]


def unit_history(application: Application) -> list[RoundRecord]:
    """Every round of the unit, oldest first, with what changed in its answers since the one before."""
    history = history_of(application)
    return [
        RoundRecord(review, answer_changes(answers_before(review, history), review.answers_by_code()))
        for review in history
    ]
