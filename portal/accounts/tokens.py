"""One-time password links: staff invitations and password resets by an administrator."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import PasswordToken, User
from portal.accounts.services import password_problem, user_password_inputs
from portal.audit import record_audit
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.notifications.services import notify_by_email, portal_url

LIFETIME = {"invite": timedelta(hours=72), "reset": timedelta(hours=24)}

PURPOSE_LABEL = {"invite": "账号开通", "reset": "重设密码"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_link(user: User, purpose: str, by: User) -> str:
    """A new link for ``user`` (earlier unused links stop working); also e-mailed through the outbox."""
    now = utcnow()
    for earlier in db.session.scalars(
        select(PasswordToken).where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
    ):
        earlier.used_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordToken(user_id=user.id, token_hash=_hash(token), purpose=purpose, expires_at=now + LIFETIME[purpose])
    )
    db.session.flush()
    link = portal_url("accounts.set_password", token=token)
    notify_by_email(
        user,
        f"{PURPOSE_LABEL[purpose]}：请设置登录密码",
        f"您的登录名为 {user.username}。请在 {lifetime_hours(purpose)} 小时内打开以下链接设置密码（仅可使用一次）：\n{link}",
    )
    record_audit(f"account.{purpose}_link", user, None, by)
    return link


def lifetime_hours(purpose: str) -> int:
    return int(LIFETIME[purpose].total_seconds() // 3600)


def valid_token(token: str, lock: bool = False) -> PasswordToken | None:
    """The unused, unexpired token row; ``lock`` holds its row while it is being used (not to show the form)."""
    query = select(PasswordToken).where(PasswordToken.token_hash == _hash(token))
    row = db.session.scalar(query.with_for_update() if lock else query)
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def set_password_with_token(token: str, password: str) -> User:
    row = valid_token(token, lock=True)
    if row is None:
        raise RuleViolation("链接无效、已使用或已过期，请联系管理员重新发送。")
    user = row.user
    problem = password_problem(password, user_password_inputs(user))
    if problem:
        raise RuleViolation(problem)
    user.set_password(password)
    user.session_version += 1
    row.used_at = utcnow()
    db.session.flush()
    record_audit("account.password_set_by_link", user, {"purpose": row.purpose}, user)
    return user
