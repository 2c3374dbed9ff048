"""State changes of an application. Each checks its rule, writes, flushes and audits; the view commits."""

from decimal import Decimal

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from portal.accounts.models import Organisation, User
from portal.applications.completeness import missing_fields
from portal.applications.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Attachment,
    AttachmentKind,
    Certification,
    SelfCheckAnswer,
)
from portal.audit import record_audit
from portal.campaigns.models import Campaign
from portal.core.errors import RuleViolation, StaleEdit
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.files import FileOwner, store_if_given, store_upload
from portal.notifications.services import notify, organisation_users
from portal.selfcheck import write_answers


class IncompleteApplication(RuleViolation):
    """Submission refused; ``missing`` lists every problem for the page to link to."""

    def __init__(self, missing):
        super().__init__(f"申报书还有 {len(missing)} 处需要补充或修改。")
        self.missing = missing


def _ensure_editable(application: Application, expected_version: int | None = None) -> None:
    """Lock the row and check it is editable: a save racing a submission in another tab must not land."""
    lock_application(application.id)
    if refusal := application.why_not_editable(utcnow()):
        raise RuleViolation(refusal)
    if expected_version is not None and expected_version != application.version:
        raise StaleEdit(
            "申报书已在其他窗口或由他人保存过。您的输入仍在下方，尚未保存：请对照后选择用您的输入覆盖，或放弃您的输入。"
        )


def _touch(application: Application) -> None:
    application.version += 1
    application.updated_at = utcnow()


def lock_application(application_id: int) -> Application | None:
    """Load an application with its row locked until the request commits (PostgreSQL).

    ``populate_existing`` matters: a copy already in the session would otherwise hide the
    status another request has just committed.
    """
    return db.session.scalar(
        select(Application)
        .where(Application.id == application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def start_application(user: User, campaign: Campaign) -> Application:
    """Open the enterprise's draft for ``campaign``; one per enterprise per campaign.

    The unique constraint decides between two simultaneous starts; the loser gets the winner's.
    """
    if refusal := campaign.why_applications_closed(utcnow()):
        raise RuleViolation(refusal)
    existing = find_application(user.enterprise_id, campaign.id)
    if existing is not None:
        return existing
    enterprise = user.enterprise
    application = Application(
        campaign_id=campaign.id,
        enterprise_id=enterprise.id,
        org_name=enterprise.name,
        contact_name=enterprise.contact_name,
        contact_phone=enterprise.mobile,
        contact_email=enterprise.email,
    )
    try:
        with db.session.begin_nested():
            db.session.add(application)
            db.session.flush()
    except IntegrityError:
        existing = find_application(user.enterprise_id, campaign.id)
        if existing is None:
            raise
        return existing
    application.move_to(ApplicationStatus.DRAFT, user, label="创建草稿")
    record_audit("application.start", application)
    db.session.flush()
    return application


def find_application(enterprise_id: int, campaign_id: int | ColumnElement[int]) -> Application | None:
    """The enterprise's application in a campaign (an id, or ``current_campaign_id()``).

    With its campaign and enterprise: the form's pages show both."""
    return db.session.scalar(
        select(Application)
        .options(joinedload(Application.campaign), joinedload(Application.enterprise))
        .where(Application.enterprise_id == enterprise_id, Application.campaign_id == campaign_id)
    )


def save_fields(application: Application, user: User, values: dict, expected_version: int | None) -> None:
    """Save a section's fields as typed, complete or not, and re-derive the scale."""
    _ensure_editable(application, expected_version)
    for field, value in values.items():
        setattr(application, field, value)
    application.scale = application.campaign.scale_of(application.employees, application.revenue)
    _touch(application)
    record_audit("application.save", application, {"fields": sorted(values)})
    db.session.flush()


def add_certification(
    application: Application, user: User, values: dict, certificate: FileStorage, audit_report: FileStorage | None
) -> Certification:
    """Add a row to 认证与认可 with its certificate scan."""
    _ensure_editable(application)
    certification = Certification(
        application=application,
        certificate_file=store_upload(certificate, user, FileOwner.APPLICATION, application),
        audit_report_file=store_if_given(audit_report, user, FileOwner.APPLICATION, application),
        **values,
    )
    db.session.add(certification)
    _touch(application)
    db.session.flush()
    record_audit(
        "application.certification_add",
        application,
        {"certification_id": certification.id, "number": certification.number},
    )
    return certification


def remove_certification(application: Application, user: User, certification: Certification) -> None:
    _ensure_editable(application)
    if certification.application_id != application.id:
        raise RuleViolation("该证书不属于此申报书。")
    record_audit(
        "application.certification_remove",
        application,
        {"certification_id": certification.id, "number": certification.number},
    )
    application.certifications.remove(certification)
    _touch(application)
    db.session.flush()


def _new_answer(application: Application, code: str) -> SelfCheckAnswer:
    answer = SelfCheckAnswer(item_code=code)
    application.self_check_answers.append(answer)
    return answer


def save_self_check(
    application: Application,
    user: User,
    answers: dict[str, tuple[str | None, str | None]],
    evidence: dict[str, FileStorage],
    expected_version: int | None,
) -> None:
    """Save answers ``{code: (answer, remark)}`` and new evidence files ``{code: file}``."""
    _ensure_editable(application, expected_version)
    rows = write_answers(application.answers_by_code(), answers, lambda code: _new_answer(application, code))
    for code, upload in evidence.items():
        rows[code].evidence_file = store_upload(upload, user, FileOwner.APPLICATION, application)
    _touch(application)
    record_audit("application.self_check_save", application, {"answered": sum(1 for a, _ in answers.values() if a)})
    db.session.flush()


def add_attachment(
    application: Application, user: User, kind: AttachmentKind, upload: FileStorage, description: str | None
) -> Attachment:
    _ensure_editable(application)
    stored = store_upload(upload, user, FileOwner.APPLICATION, application)
    attachment = Attachment(application=application, kind=kind, file=stored, description=description)
    db.session.add(attachment)
    _touch(application)
    db.session.flush()
    record_audit("application.attachment_add", application, {"attachment_id": attachment.id, "kind": kind.value})
    return attachment


def remove_attachment(application: Application, user: User, attachment: Attachment) -> None:
    _ensure_editable(application)
    if attachment.application_id != application.id:
        raise RuleViolation("该附件不属于此申报书。")
    record_audit("application.attachment_remove", application, {"attachment_id": attachment.id})
    application.attachments.remove(attachment)
    _touch(application)
    db.session.flush()


def choose_recommender(application: Application, user: User, recommender: Organisation) -> None:
    """Address the application to exactly one recommender."""
    _ensure_editable(application)
    if not recommender.is_recommender:
        raise RuleViolation("只能选择推荐单位。")
    application.recommender = recommender
    _touch(application)
    record_audit("application.choose_recommender", application, {"recommender_id": recommender.id})
    db.session.flush()


def _snapshot(application: Application) -> dict:
    """The application's content as plain data, for the version history."""
    columns = {
        column.key: getattr(application, column.key)
        for column in Application.__table__.columns
        if column.key not in ("id", "version", "created_at", "updated_at", "submitted_at", "status")
    }
    # Decimals as plain text, the same whether just typed (50000) or read back (50000.00).
    data = {
        key: (format(value.normalize(), "f") if isinstance(value, Decimal) else value) for key, value in columns.items()
    }
    data["scale"] = application.scale.value if application.scale else None
    data["self_check"] = {
        a.item_code: {"answer": a.answer.value if a.answer else None, "remark": a.remark}
        for a in application.self_check_answers
    }
    data["certifications"] = [
        {
            "kind": c.kind.value,
            "number": c.number,
            "issuer": c.issuer,
            "issued_on": c.issued_on.isoformat(),
            "expires_on": c.expires_on.isoformat(),
            "status": c.status.value,
        }
        for c in application.certifications
    ]
    data["attachments"] = [{"kind": a.kind.value, "name": a.file.original_name} for a in application.attachments]
    return data


def submit_application(application: Application, user: User) -> None:
    """Submit (or resubmit after a return) to the chosen recommender after full validation."""
    _ensure_editable(application)
    missing = missing_fields(application)
    if missing:
        raise IncompleteApplication(missing)
    resubmission = application.status == ApplicationStatus.RETURNED
    application.submitted_at = utcnow()
    _touch(application)
    number = 1 + (
        db.session.scalar(
            select(db.func.max(ApplicationVersion.number)).where(ApplicationVersion.application_id == application.id)
        )
        or 0
    )
    db.session.add(ApplicationVersion(application_id=application.id, number=number, data=_snapshot(application)))
    application.move_to(
        ApplicationStatus.SUBMITTED,
        user,
        label="重新提交" if resubmission else "已提交",
        reason=f"提交至{application.recommender.name}",
    )
    record_audit("application.submit", application, {"version": number, "recommender_id": application.recommender_id})
    notify(
        organisation_users(application.recommender_id),
        f"{'重新提交' if resubmission else '收到新的申报书'}：{application.display_name}",
        "recommendations.review",
        application_id=application.id,
    )
    db.session.flush()


def withdraw_application(application: Application, user: User) -> None:
    """Take a submitted application back to draft, while the recommender has not acted on it."""
    lock_application(application.id)
    if refusal := application.why_not_withdrawable(utcnow()):
        raise RuleViolation(refusal)
    _touch(application)
    application.move_to(ApplicationStatus.DRAFT, user, label="已撤回")
    record_audit("application.withdraw", application)
    db.session.flush()
