"""A recommender's actions on the applications addressed to it."""
from portal.accounts.models import User
from portal.applications.models import Application, ApplicationStatus, StatusEvent
from portal.audit import record_audit
from portal.errors import RuleViolation
from portal.extensions import db
from portal.timeutil import format_local, utcnow

RETURN_REASON_MIN_CHARS = 5


def _ensure_recommender_may_act(application: Application, user: User) -> None:
    if application.recommender_id != user.organisation_id:
        raise RuleViolation("该申报书未提交给本单位。")
    campaign = application.campaign
    if not campaign.accepts_recommendations(utcnow()):
        raise RuleViolation(f"推荐报送已于 {format_local(campaign.recommend_deadline)} 截止。")


def _move(application: Application, status: ApplicationStatus, user: User, reason: str | None = None) -> None:
    application.status = status
    application.updated_at = utcnow()
    db.session.add(StatusEvent(application=application, status=status, label=status.label, actor_id=user.id, reason=reason))


def accept_application(application: Application, user: User) -> None:
    """Take a submitted application into the candidate pool (已受理)."""
    _ensure_recommender_may_act(application, user)
    if application.status != ApplicationStatus.SUBMITTED:
        raise RuleViolation(f"申报书当前状态为“{application.status.label}”，不能受理。")
    _move(application, ApplicationStatus.ACCEPTED, user)
    record_audit("application.accept", application)
    db.session.flush()


def return_application(application: Application, user: User, reason: str) -> None:
    """Send an application back to the enterprise for revision (退回修改), with a required reason."""
    _ensure_recommender_may_act(application, user)
    reason = (reason or "").strip()
    if len(reason) < RETURN_REASON_MIN_CHARS:
        raise RuleViolation(f"请填写退回理由（至少 {RETURN_REASON_MIN_CHARS} 个字），企业将据此修改。")
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED):
        raise RuleViolation(f"申报书当前状态为“{application.status.label}”，不能退回。")
    _move(application, ApplicationStatus.RETURNED, user, reason)
    record_audit("application.return", application, {"reason": reason})
    db.session.flush()
