"""Telling people what they must act on: one in-app notification and one e-mail per recipient.

Services call :func:`notify` inside their own transaction, so a notification exists exactly when
the change it announces was committed. E-mail is queued in the outbox and sent by ``flask send-mail``.
"""

import re
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.audit import record_audit
from portal.core.extensions import db
from portal.core.redaction import redact_tokens
from portal.core.timeutil import utcnow
from portal.notifications.models import Notification, OutboxMessage

SUBJECT_PREFIX = "【工业计量标杆示范申报平台】"
_NOT_IN_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` fit for an e-mail header: line breaks and control characters become spaces, runs of spaces one."""
    return " ".join(_NOT_IN_ONE_LINE.sub(" ", text or "").split())


def notify(users, message: str, endpoint: str | None = None, **values) -> None:
    """Notify each active user in the portal and queue an e-mail to those with an address."""
    link = _path(endpoint, **values) if endpoint else None
    for user in users:
        if not user.active:
            continue
        db.session.add(Notification(user_id=user.id, message=message[:300], link=link))
        if user.email:
            db.session.add(
                OutboxMessage(
                    to_address=user.email,
                    subject=f"{SUBJECT_PREFIX}{one_line(message)[:60]}",
                    body=_body(user, message, link),
                )
            )


def notify_by_email(user: User, subject: str, body: str) -> None:
    """An e-mail only (no in-app notice), e.g. a password link the user cannot yet log in to read."""
    if user.email:
        db.session.add(
            OutboxMessage(
                to_address=user.email,
                subject=f"{SUBJECT_PREFIX}{one_line(subject)}"[:200],
                body=f"{user.display_name}：\n\n{body}\n\n（本邮件由系统自动发送，请勿回复。）",
            )
        )


def portal_url(endpoint: str, **values) -> str:
    """The page's full address for an e-mail, on the portal's public address (``PORTAL_BASE_URL``)."""
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + _path(endpoint, **values)


def _path(endpoint: str, **values) -> str:
    """The page's path, also from the CLI (demo data, reminders), where there is no request."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def _body(user: User, message: str, link: str | None) -> str:
    base = current_app.config.get("PORTAL_BASE_URL", "").rstrip("/")
    lines = [f"{user.display_name}：", "", message]
    if link:
        lines += ["", f"请登录平台办理：{base}{link}"]
    lines += ["", "（本邮件由系统自动发送，请勿回复。）"]
    return "\n".join(lines)


def enterprise_users(application) -> list[User]:
    return list(db.session.scalars(select(User).where(User.enterprise_id == application.enterprise_id)))


def organisation_users(organisation_id: int) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.organisation_id == organisation_id, User.role == Role.RECOMMENDER))
    )


def reviewers() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.REVIEWER)))


def unread_count_column(user: User):
    """How many notifications ``user`` has not read, as a scalar subquery."""
    return (
        select(db.func.count(Notification.id))
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def mark_read(user: User, notification_id: int | None = None) -> None:
    """Mark one notification, or all of the user's, as read."""
    query = select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    for notification in db.session.scalars(query):
        notification.read_at = utcnow()
    db.session.flush()


class ServerUnavailable(Exception):
    """The SMTP server cannot be reached or refuses the login: no message's fault, none is counted."""


class _SMTPConnection:
    """One SMTP connection for a run of ``send_outbox``, opened when first needed and again after a drop."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        if self.smtp is None:
            try:
                smtp = smtplib.SMTP(self.config["MAIL_SERVER"], self.config.get("MAIL_PORT", 25), timeout=30)
            except (smtplib.SMTPException, OSError) as error:
                raise ServerUnavailable(f"{error.__class__.__name__}: {error}") from error
            try:
                if self.config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if self.config.get("MAIL_USERNAME"):
                    smtp.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"])
            except (smtplib.SMTPException, OSError) as error:
                smtp.close()
                raise ServerUnavailable(f"{error.__class__.__name__}: {error}") from error
            self.smtp = smtp
        try:
            self.smtp.send_message(email)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()  # the next message opens a new connection
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = one_line(message.to_address)
    email["Subject"] = one_line(message.subject)  # also for messages queued before subjects were made one line
    email.set_content(message.body)
    return email


def send_outbox(limit: int = 200) -> tuple[int, int]:
    """Send waiting e-mail through SMTP (``MAIL_SERVER``); returns (sent, failed). Without SMTP, nothing.

    Each message is sent, marked and committed on its own: one that fails (a refused address, a dropped
    connection) records its error and attempt count and is retried on the next run, up to
    ``MAIL_MAX_ATTEMPTS``; the others go on. A message handed to SMTP is committed as sent at once.
    When the server cannot be reached at all, the run stops without counting an attempt against anyone.
    """
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0, 0
    max_attempts = config.get("MAIL_MAX_ATTEMPTS", 5)
    waiting = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < max_attempts)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    connection = _SMTPConnection(config)
    sent = failed = 0
    try:
        for message_id in waiting:
            # Another run may be sending the same message: skip what it holds, and what it has sent.
            message = db.session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
                .with_for_update(skip_locked=True)
            )
            if message is None:
                db.session.rollback()
                continue
            try:
                connection.send(_email(message))
            except ServerUnavailable as error:
                # Noted on the message, not counted against it; the rest wait for the next run.
                message.error = f"邮件服务器不可用：{error}"[:300]
                db.session.commit()
                failed += 1
                break
            except (smtplib.SMTPException, OSError, ValueError) as error:
                _record_failure(message, error, max_attempts)
                failed += 1
            else:
                mark_sent(message)
                sent += 1
            db.session.commit()
    finally:
        connection.close()
    return sent, failed


def _record_failure(message: OutboxMessage, error: Exception, max_attempts: int) -> None:
    message.attempts += 1
    message.error = f"{error.__class__.__name__}: {error}"[:300]
    if message.attempts >= max_attempts:
        message.body = redact_tokens(message.body)  # no longer waiting: the link is not kept
        record_audit("outbox.gave_up", message, {"attempts": message.attempts, "error": message.error})
    db.session.flush()


def mark_sent(message: OutboxMessage) -> None:
    """The message is sent: a password link in it is blanked (it stays only in the recipient's mailbox)."""
    message.sent_at, message.error = utcnow(), None
    message.attempts += 1
    message.body = redact_tokens(message.body)
    db.session.flush()


def remind_deadlines(campaign, days: int) -> int:
    """Remind those who have not finished when a deadline is ``days`` days away or less; once a day each.

    Enterprises with a draft or returned application before ``closes_at``; recommenders that have
    received applications but not submitted their list before ``recommend_deadline``; units ordered to
    rectify at a re-review that have not handed in their report (whatever the campaign, or none).
    """
    from portal.rereview.services import rectification_reminders

    now = utcnow()
    reminders = rectification_reminders(now, days)
    if campaign is not None:
        reminders += _campaign_reminders(campaign, now, days)
    today = now - timedelta(hours=24)
    sent = 0
    for users, message, endpoint in reminders:
        fresh = [
            user
            for user in users
            if not db.session.scalar(
                select(Notification.id)
                .where(
                    Notification.user_id == user.id, Notification.message == message, Notification.created_at > today
                )
                .limit(1)
            )
        ]
        notify(fresh, message, endpoint)
        sent += len(fresh)
    db.session.flush()
    return sent


def _campaign_reminders(campaign, now, days: int) -> list[tuple[list[User], str, str]]:
    from portal.applications.models import Application, ApplicationStatus
    from portal.core.timeutil import format_local
    from portal.recommendations.models import Recommendation

    reminders: list[tuple[list[User], str, str]] = []
    if now < campaign.closes_at <= now + timedelta(days=days):
        message = f"申报将于 {format_local(campaign.closes_at)} 截止，您的申报书尚未提交。"
        applications = db.session.scalars(
            select(Application).where(
                Application.campaign_id == campaign.id,
                Application.status.in_((ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)),
            )
        )
        reminders += [(enterprise_users(application), message, "applications.overview") for application in applications]
    if now < campaign.recommend_deadline <= now + timedelta(days=days):
        message = f"推荐汇总表报送将于 {format_local(campaign.recommend_deadline)} 截止，本单位尚未报送。"
        submitted = select(Recommendation.recommender_id).where(
            Recommendation.campaign_id == campaign.id, Recommendation.submitted_at.is_not(None)
        )
        waiting = db.session.scalars(
            select(Application.recommender_id)
            .distinct()
            .where(
                Application.campaign_id == campaign.id,
                Application.status != ApplicationStatus.DRAFT,
                Application.recommender_id.not_in(submitted),
            )
        )
        reminders += [
            (organisation_users(recommender_id), message, "recommendations.ranking") for recommender_id in waiting
        ]
    return reminders
