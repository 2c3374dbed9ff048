"""A unit's 定期复核 across rounds: each round's self-check answers against the round before.

The first round compares with the application's answers; a unit imported without answers compares
with nothing, so every answer of its first round shows as new.
"""

from typing import NamedTuple

from sqlalchemy import select

from portal.applications.models import Application
from portal.core.extensions import db
from portal.rereview.models import ReReview
from portal.selfcheck import SELF_CHECK_ITEMS, SelfCheckItem


class AnswerChange(NamedTuple):
    item: SelfCheckItem
    before: str  # the answer's label, "" when there was none
    after: str


class RoundRecord(NamedTuple):
    review: ReReview
    changes: list[AnswerChange]


def history_of(application: Application) -> list[ReReview]:
    return list(
        db.session.scalars(select(ReReview).where(ReReview.application_id == application.id).order_by(ReReview.id))
    )


def answer_label(answer) -> str:
    return answer.answer.label if answer is not None and answer.answer is not None else ""


def answers_before(review: ReReview, history: list[ReReview]) -> dict:
    """The answers ``review`` is compared with: the unit's previous round, else its application (maybe none)."""
    earlier = [r for r in history if r.id < review.id]
    return earlier[-1].answers_by_code() if earlier else review.application.answers_by_code()


def answer_changes(before: dict, after: dict) -> list[AnswerChange]:
    changes = (
        AnswerChange(item, answer_label(before.get(item.code)), answer_label(after.get(item.code)))
        for item in SELF_CHECK_ITEMS
    )
    return [change for change in changes if change.before != change.after]


def unit_history(application: Application) -> list[RoundRecord]:
    """Every round of the unit, oldest first, with what changed in its answers since the one before."""
    history = history_of(application)
    return [
        RoundRecord(review, answer_changes(answers_before(review, history), review.answers_by_code()))
        for review in history
    ]
