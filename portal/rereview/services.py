"""定期复核: published units update their self-check table and certificates; reviewers keep or revoke.

A round starts from each unit's last known answers and certificates (from its application, or its
previous re-review), so the unit updates rather than re-enters them. Revoked units leave the public list.
"""

from datetime import datetime

from sqlalchemy import case, select
from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.applications.models import Application, ApplicationStatus
from portal.audit import record_audit
from portal.campaigns.models import Campaign
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.reasons import require_reason
from portal.core.timeutil import format_local, utcnow
from portal.files import FileOwner, store_if_given, store_upload
from portal.notifications.services import enterprise_users, notify
from portal.rereview.models import ReReview, ReReviewAnswer, ReReviewCertificate, ReReviewOutcome, ReReviewRound
from portal.selfcheck import SELF_CHECK_CODES, write_answers

CERTIFICATE_COLUMNS = (
    "kind",
    "kind_other",
    "number",
    "issuer",
    "issued_on",
    "expires_on",
    "status",
    "certificate_file_id",
    "audit_report_file_id",
)


def revoked_units():
    """The applications whose unit was revoked at a re-review (a subquery of ids)."""
    return select(ReReview.application_id).where(ReReview.outcome == ReReviewOutcome.REVOKE)


def published_units() -> list[Application]:
    """Units selected in a published campaign and not revoked since."""
    return list(
        db.session.scalars(
            select(Application)
            .join(Campaign, Campaign.id == Application.campaign_id)
            .where(
                Campaign.published_at.is_not(None),
                Application.status == ApplicationStatus.SELECTED,
                Application.id.not_in(revoked_units()),
            )
            .order_by(Application.province, Application.org_name)
        )
    )


def _latest_review(application: Application) -> ReReview | None:
    return db.session.scalar(
        select(ReReview).where(ReReview.application_id == application.id).order_by(ReReview.id.desc()).limit(1)
    )


def _starting_point(application: Application, review_round: ReReviewRound) -> ReReview:
    """A new re-review holding a copy of the unit's last answers and certificates."""
    previous = _latest_review(application)
    review = ReReview(round=review_round, application=application)
    answers = previous.answers if previous else application.self_check_answers
    certificates = previous.certificates if previous else application.certifications
    review.answers = [ReReviewAnswer(item_code=a.item_code, answer=a.answer, remark=a.remark) for a in answers]
    review.certificates = [
        ReReviewCertificate(**{c: getattr(certificate, c) for c in CERTIFICATE_COLUMNS}) for certificate in certificates
    ]
    return review


def open_round(name: str, opens_at: datetime, closes_at: datetime, user: User) -> ReReviewRound:
    """Open a round for every published unit not revoked."""
    if not name.strip():
        raise RuleViolation("请填写复核名称。")
    if opens_at >= closes_at:
        raise RuleViolation("复核截止时间应晚于开始时间。")
    if db.session.scalar(select(ReReviewRound.id).where(ReReviewRound.name == name.strip())):
        raise RuleViolation("已有同名的复核。")
    units = published_units()
    if not units:
        raise RuleViolation("还没有已公布的示范单位，无需复核。")
    review_round = ReReviewRound(name=name.strip(), opens_at=opens_at, closes_at=closes_at, created_by_id=user.id)
    db.session.add(review_round)
    with db.session.no_autoflush:  # the new round stays out of the "previous review" lookups
        for application in units:
            db.session.add(_starting_point(application, review_round))
            notify(
                enterprise_users(application),
                f"{review_round.name}：请于 {format_local(closes_at)} 前更新自我检查表和证书并提交",
                "rereview_unit.update",
            )
    db.session.flush()
    record_audit("rereview.open", review_round, {"units": len(units)}, user)
    return review_round


def open_review_of(enterprise_id: int, now: datetime) -> ReReview | None:
    """The enterprise's re-review in a round open now, if any."""
    return db.session.scalar(_open_reviews(select(ReReview), enterprise_id, now))


def open_review_state_column(enterprise_id: int, now: datetime):
    """As a scalar subquery: "pending" or "submitted" for the open re-review of :func:`open_review_of`, else NULL."""
    state = case((ReReview.submitted_at.is_(None), "pending"), else_="submitted")
    return _open_reviews(select(state), enterprise_id, now).scalar_subquery()


def _open_reviews(query, enterprise_id: int, now: datetime):
    return (
        query.join(ReReviewRound, ReReviewRound.id == ReReview.round_id)
        .join(Application, Application.id == ReReview.application_id)
        .where(Application.enterprise_id == enterprise_id, ReReviewRound.opens_at <= now, ReReviewRound.closes_at > now)
        .order_by(ReReview.id.desc())
        .limit(1)
    )


def history_of(application: Application) -> list[ReReview]:
    return list(
        db.session.scalars(select(ReReview).where(ReReview.application_id == application.id).order_by(ReReview.id))
    )


def _ensure_unit_may_edit(review: ReReview, user: User) -> None:
    if review.application.enterprise_id != user.enterprise_id:
        raise RuleViolation("这不是本单位的复核。")
    if review.submitted_at is not None:
        raise RuleViolation("复核材料已提交，不能再修改。")
    if not review.round.is_open(utcnow()):
        raise RuleViolation(f"复核材料提交已于 {format_local(review.round.closes_at)} 截止。")


def _new_answer(review: ReReview, code: str) -> ReReviewAnswer:
    answer = ReReviewAnswer(item_code=code)
    review.answers.append(answer)
    return answer


def save_answers(review: ReReview, user: User, answers: dict[str, tuple[str | None, str | None]]) -> None:
    """The unit's updated self-check answers ``{code: (answer, remark)}``."""
    _ensure_unit_may_edit(review, user)
    write_answers(review.answers_by_code(), answers, lambda code: _new_answer(review, code))
    db.session.flush()
    record_audit("rereview.answers_save", review, {"answered": sum(1 for a, _ in answers.values() if a)}, user)


def add_certificate(
    review: ReReview, user: User, values: dict, certificate: FileStorage, audit_report: FileStorage | None
) -> ReReviewCertificate:
    _ensure_unit_may_edit(review, user)
    row = ReReviewCertificate(
        certificate_file=store_upload(certificate, user, FileOwner.APPLICATION, review.application),
        audit_report_file=store_if_given(audit_report, user, FileOwner.APPLICATION, review.application),
        **values,
    )
    review.certificates.append(row)
    db.session.flush()
    record_audit("rereview.certificate_add", review, {"number": row.number}, user)
    return row


def remove_certificate(review: ReReview, user: User, certificate: ReReviewCertificate) -> None:
    _ensure_unit_may_edit(review, user)
    if certificate.re_review_id != review.id:
        raise RuleViolation("该证书不属于此复核。")
    review.certificates.remove(certificate)
    db.session.flush()
    record_audit("rereview.certificate_remove", review, {"number": certificate.number}, user)


def submit(review: ReReview, user: User) -> None:
    _ensure_unit_may_edit(review, user)
    unanswered = [
        code for code in SELF_CHECK_CODES if not (a := review.answers_by_code().get(code)) or a.answer is None
    ]
    if unanswered:
        raise RuleViolation(
            f"自我检查表还有 {len(unanswered)} 项未作答：{'、'.join(unanswered[:6])}{' 等' if len(unanswered) > 6 else ''}。"
        )
    review.submitted_at = utcnow()
    db.session.flush()
    record_audit("rereview.submit", review, None, user)


def conclude(review: ReReview, outcome: ReReviewOutcome, reason: str, evidence: FileStorage | None, user: User) -> None:
    """Record 保持 / 撤销 with a reason and optional evidence; the unit sees it on its status page."""
    reason = require_reason(reason, "复核结论的理由")
    if review.outcome is not None:
        raise RuleViolation(f"该单位的复核结论已为“{review.outcome.label}”。")
    if review.submitted_at is None and review.round.is_open(utcnow()):
        raise RuleViolation("单位尚未提交复核材料，复核期结束后方可直接作出结论。")
    evidence_file = store_if_given(evidence, user, FileOwner.MINISTRY, review.application)
    review.outcome, review.reason, review.evidence_file = outcome, reason, evidence_file
    review.decided_by_id, review.decided_at = user.id, utcnow()
    review.application.move_to(review.application.status, user, label=f"定期复核：{outcome.label}", reason=reason)
    db.session.flush()
    record_audit("rereview.conclude", review, {"outcome": outcome.value, "reason": reason}, user)
