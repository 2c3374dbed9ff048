"""定期复核: published units update their self-check table and certificates; reviewers check a sample on
site, order a unit to rectify within a deadline (限期整改), and keep or revoke.

A round starts from each unit's last known answers and certificates (from its application, or its
previous re-review), so the unit updates rather than re-enters them. Revoked units leave the public list.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import func, literal, or_, select
from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.applications.models import Application, ApplicationStatus
from portal.audit import record_audit
from portal.campaigns.models import Campaign, SampleSettings, current_campaign
from portal.core.errors import InputRefused, RuleViolation
from portal.core.extensions import db
from portal.core.reasons import require_reason
from portal.core.timeutil import format_local, local_today, utcnow
from portal.files import FileOwner, store_if_given, store_upload
from portal.notifications.services import enterprise_users, notify
from portal.rereview.models import (
    OnSiteCheck,
    ReReview,
    ReReviewAnswer,
    ReReviewCertificate,
    ReReviewConclusion,
    ReReviewOutcome,
    ReReviewRound,
    ReReviewState,
    SampleReason,
)
from portal.rereview.sampling import SampleDefault, default_sample, draw_sample, new_seed
from portal.rereview.statistics import round_figures
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


def _published(query):
    """``query`` limited to units selected in a published campaign and not revoked since."""
    return query.join(Campaign, Campaign.id == Application.campaign_id).where(
        Campaign.published_at.is_not(None),
        Application.status == ApplicationStatus.SELECTED,
        Application.id.not_in(revoked_units()),
    )


def published_units() -> list[Application]:
    """Units selected in a published campaign and not revoked since."""
    return list(
        db.session.scalars(_published(select(Application)).order_by(Application.province, Application.org_name))
    )


def published_unit_count() -> int:
    return db.session.scalar(_published(select(func.count(Application.id))))


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


def latest_round() -> ReReviewRound | None:
    return db.session.scalar(select(ReReviewRound).order_by(ReReviewRound.id.desc()).limit(1))


def sample_default() -> SampleDefault:
    """The on-site rate a new round starts from: the current campaign's settings and the last round's figures."""
    campaign = current_campaign()
    previous = latest_round()
    figures = round_figures(utcnow(), [previous])[0] if previous else None
    return default_sample(campaign.sample_settings if campaign else SampleSettings(), figures)


def _check_round(name: str, opens_at: datetime, closes_at: datetime) -> None:
    if not name.strip():
        raise InputRefused("请填写复核名称。", "name")
    if opens_at >= closes_at:
        raise InputRefused("复核截止时间应晚于开始时间。", "closes_at")
    if db.session.scalar(select(ReReviewRound.id).where(ReReviewRound.name == name.strip())):
        raise InputRefused("已有同名的复核。", "name")
    if (previous := latest_round()) and (problem := previous.why_not_follow(utcnow())):
        raise RuleViolation(problem)


def _rectified_last_round() -> set[int]:
    """The applications ordered to rectify in the latest round: always in the next sample."""
    previous = latest_round()
    return {r.application_id for r in previous.reviews if r.rectification_ordered} if previous else set()


def open_round(
    name: str, opens_at: datetime, closes_at: datetime, user: User, sample_rate: int | None = None
) -> ReReviewRound:
    """Open a round for every published unit not revoked, and draw its on-site sample.

    ``sample_rate`` (per cent) may not be below :func:`sample_default`'s rate, which it defaults to.
    """
    _check_round(name, opens_at, closes_at)
    default = sample_default()
    sample_rate = default.rate if sample_rate is None else sample_rate
    if not default.rate <= sample_rate <= 100:
        raise InputRefused(f"现场检查抽取比例应在 {default.rate}%–100% 之间。{default.note}", "sample_rate")
    units = published_units()
    if not units:
        raise RuleViolation("还没有已公布的示范单位，无需复核。")
    always = {a.id for a in units} & _rectified_last_round()
    review_round = ReReviewRound(
        name=name.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        created_by_id=user.id,
        sample_seed=new_seed(),
        sample_rate=sample_rate,
        sample_note=default.note if sample_rate == default.rate else f"按复核人员设定的 {sample_rate}%。{default.note}",
    )
    db.session.add(review_round)
    sampled = draw_sample([a.id for a in units], always, sample_rate, review_round.sample_seed)
    with db.session.no_autoflush:  # the new round stays out of the "previous review" lookups
        for application in units:
            review = _starting_point(application, review_round)
            if application.id in sampled:
                review.sample = SampleReason.RECTIFIED_BEFORE if application.id in always else SampleReason.DRAWN
            db.session.add(review)
            notify(
                enterprise_users(application),
                f"{review_round.name}：请于 {format_local(closes_at)} 前更新自我检查表和证书并提交",
                "rereview_unit.update",
            )
    db.session.flush()
    record_audit(
        "rereview.open",
        review_round,
        {"units": len(units), "sampled": len(sampled), "rate": sample_rate, "seed": review_round.sample_seed},
        user,
    )
    return review_round


def redraw_sample(review_round: ReReviewRound) -> set[int]:
    """The round's sample drawn again from its recorded seed and rate: the same application ids."""
    ids = [review.application_id for review in review_round.reviews]
    always = {r.application_id for r in review_round.reviews if r.sample == SampleReason.RECTIFIED_BEFORE}
    return draw_sample(ids, always, review_round.sample_rate, review_round.sample_seed)


def open_review_of(enterprise_id: int, now: datetime) -> ReReview | None:
    """The enterprise's re-review in a round open now, or with a rectification not yet concluded, if any."""
    return db.session.scalar(_open_reviews(select(ReReview), enterprise_id, now))


def open_review_state_column(enterprise_id: int, now: datetime):
    """As a scalar expression: the :class:`ReReviewState` value of :func:`open_review_of`'s re-review
    (:meth:`ReReview.state_clause`); else "history" when the unit was ever re-reviewed; else NULL."""
    ever = (
        select(literal("history"))
        .select_from(ReReview)
        .join(Application, Application.id == ReReview.application_id)
        .where(Application.enterprise_id == enterprise_id)
        .limit(1)
    )
    state = _open_reviews(select(ReReview.state_clause(now)), enterprise_id, now)
    return func.coalesce(state.scalar_subquery(), ever.scalar_subquery())


def _open_reviews(query, enterprise_id: int, now: datetime):
    return (
        query.join(ReReviewRound, ReReviewRound.id == ReReview.round_id)
        .join(Application, Application.id == ReReview.application_id)
        .where(
            Application.enterprise_id == enterprise_id,
            or_(ReReviewRound.open_clause(now), ReReview.rectification_open_clause()),
        )
        .order_by(ReReview.id.desc())
        .limit(1)
    )


def _ensure_own(review: ReReview, user: User) -> None:
    if review.application.enterprise_id != user.enterprise_id:
        raise RuleViolation("这不是本单位的复核。")


def _ensure_unit_may_edit(review: ReReview, user: User) -> None:
    _ensure_own(review, user)
    if problem := review.why_not_update(utcnow()):
        raise RuleViolation(problem)


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


def _ensure_may_conclude(review: ReReview, conclusion: ReReviewConclusion) -> None:
    if problem := review.why_not_conclude(conclusion, utcnow()):
        raise RuleViolation(problem)


def conclude(review: ReReview, outcome: ReReviewOutcome, reason: str, evidence: FileStorage | None, user: User) -> None:
    """Record 保持 / 撤销 with a reason and optional evidence; the unit sees it on its status page."""
    reason = require_reason(reason, "复核结论的理由")
    _ensure_may_conclude(review, ReReviewConclusion(outcome.value))
    evidence_file = store_if_given(evidence, user, FileOwner.MINISTRY, review.application)
    review.outcome, review.reason, review.evidence_file = outcome, reason, evidence_file
    review.decided_by_id, review.decided_at = user.id, utcnow()
    review.application.move_to(review.application.status, user, label=f"定期复核：{outcome.label}", reason=reason)
    db.session.flush()
    record_audit("rereview.conclude", review, {"outcome": outcome.value, "reason": reason}, user)


def order_rectification(
    review: ReReview, required: str, deadline: datetime, user: User, basis: FileStorage | None = None
) -> None:
    """限期整改: what the unit must rectify and by when, with an optional file the unit may read (``basis``);
    the unit is told and hands in its report."""
    required = require_reason(required, "整改要求")
    _ensure_may_conclude(review, ReReviewConclusion.RECTIFY)
    if deadline <= utcnow():
        raise InputRefused("整改期限应晚于现在。", "deadline")
    review.rectification_required, review.rectification_deadline = required, deadline
    review.rectification_ordered_by_id, review.rectification_ordered_at = user.id, utcnow()
    review.rectification_basis = store_if_given(basis, user, FileOwner.RECTIFICATION, review.application)
    label = f"定期复核：限期整改（{format_local(deadline)} 前）"
    review.application.move_to(review.application.status, user, label=label, reason=required)
    notify(
        enterprise_users(review.application),
        f"{review.round.name}：请于 {format_local(deadline)} 前完成整改并提交整改报告。整改要求：{required}",
        "rereview_unit.update",
    )
    db.session.flush()
    record_audit("rereview.rectify", review, {"deadline": deadline.isoformat(), "required": required}, user)


def report_rectification(
    review: ReReview, user: User, note: str, report: FileStorage, evidence: FileStorage | None
) -> None:
    """The unit's rectification report (and optional evidence) before the deadline; the reviewer is told."""
    _ensure_own(review, user)
    if problem := review.why_not_report_rectification(utcnow()):
        raise RuleViolation(problem)
    review.rectification_note = note.strip() or None
    review.rectification_report = store_upload(report, user, FileOwner.RECTIFICATION, review.application)
    review.rectification_evidence = store_if_given(evidence, user, FileOwner.RECTIFICATION, review.application)
    review.rectification_submitted_at = utcnow()
    ordered_by = db.session.get(User, review.rectification_ordered_by_id)
    notify(
        [ordered_by],
        f"{review.application.display_name}已提交整改报告（{review.round.name}）",
        "rereview.entry",
        review_id=review.id,
    )
    db.session.flush()
    record_audit("rereview.rectification_report", review, None, user)


def record_on_site_check(
    review: ReReview,
    visited_on: date,
    team: str,
    findings: str,
    passed: bool,
    report: FileStorage | None,
    user: User,
) -> OnSiteCheck:
    """现场检查 of a unit, recorded like a candidate's site visit; its report is ministry-internal."""
    if problem := review.why_not_record_check():
        raise RuleViolation(problem)
    if visited_on > local_today():
        raise RuleViolation("检查日期不能晚于今天。")
    check = OnSiteCheck(
        visited_on=visited_on,
        team=team.strip(),
        findings=findings.strip(),
        passed=passed,
        report_file=store_if_given(report, user, FileOwner.MINISTRY, review.application),
        recorded_by_id=user.id,
    )
    review.checks.append(check)
    db.session.flush()
    record_audit("rereview.on_site_check", review, {"visited_on": visited_on.isoformat(), "passed": passed}, user)
    return check


def rectification_reminders(now: datetime, days: int) -> list[tuple[list[User], str, str]]:
    """(users, message, endpoint) for units whose rectification report is due within ``days`` days."""
    due = db.session.scalars(
        select(ReReview).where(
            ReReview.state_clause(now) == ReReviewState.RECTIFYING.value,
            ReReview.rectification_deadline <= now + timedelta(days=days),
        )
    )
    return [
        (
            enterprise_users(review.application),
            f"整改期限将于 {format_local(review.rectification_deadline)} 届满，本单位尚未提交整改报告。",
            "rereview_unit.update",
        )
        for review in due
    ]
