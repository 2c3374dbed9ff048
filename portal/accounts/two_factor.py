"""Two factors for staff: a TOTP authenticator (RFC 6238) and ten one-time recovery codes.

Reviewers and admins must enrol (``TOTP_REQUIRED_ROLES``), recommenders and experts may; enterprises
log in with their password only. Login asks for the code after the password; wrong codes count against
the account like wrong passwords (``LoginThrottle``). A code is accepted once: the time step it belongs
to is remembered. Recovery codes are kept as SHA-256 hashes; an admin can reset a lost authenticator,
which is audited and logs the user out everywhere.
"""

import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno
from flask import current_app, request
from sqlalchemy import delete, select

from portal.accounts.models import RecoveryCode, Role, User
from portal.accounts.services import throttle_key
from portal.accounts.throttle import login_throttle, wait_text
from portal.audit import record_audit
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import utcnow

ISSUER = "工业计量标杆示范申报平台"
RECOVERY_CODE_COUNT = 10
STEP_SECONDS = 30
STAFF_ROLES = (Role.REVIEWER, Role.ADMIN, Role.RECOMMENDER, Role.EXPERT)


class SecondFactorWrong(RuleViolation):
    """A wrong code at login: counted and audited."""


def required_for(user: User) -> bool:
    return user.role.value in current_app.config.get("TOTP_REQUIRED_ROLES", ())


def may_enrol(user: User) -> bool:
    return user.role in STAFF_ROLES


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """The QR code of ``uri`` as inline SVG, drawn here: the secret never goes to an outside service."""
    return segno.make(uri, error="m").svg_inline(scale=4, title="两步验证二维码")


def _hash_code(code: str) -> str:
    return hashlib.sha256(_normalise_recovery_code(code).encode()).hexdigest()


def _normalise_recovery_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step (now, or one step either side for clock drift) whose code is ``code``, if not used yet."""
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time()
    for offset in (-1, 0, 1):
        moment = now + offset * STEP_SECONDS
        step = int(moment // STEP_SECONDS)
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(moment), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(8)  # 64 bits
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(raw)))
    return codes


def enrol(user: User, secret: str, code: str) -> list[str]:
    """Turn two factors on with the authenticator holding ``secret``, once it shows a right code.

    Returns the ten recovery codes, to show once.
    """
    if not may_enrol(user):
        raise RuleViolation("企业账号不使用两步验证。")
    if user.two_factor_enabled:
        raise RuleViolation("已开启两步验证。如需更换验证器，请联系管理员重置。")
    step = _matching_step(secret, code, None)
    if step is None:
        raise RuleViolation("验证码不正确：请输入验证器中当前显示的 6 位数字（并检查手机时间是否准确）。")
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    codes = _new_recovery_codes(user)
    db.session.flush()
    record_audit("account.2fa_enrol", user, user=user)
    return codes


def verify_login_code(user: User, code: str) -> str:
    """The second step of a login: a code of the authenticator, or an unused recovery code.

    Throttled with the password on the account. Returns how the user got in (``totp`` or ``recovery_code``).
    """
    throttle, address = login_throttle(), request.remote_addr
    account = throttle_key(user, user.username)
    wait = throttle.seconds_locked(account, address)
    if wait:
        record_audit("account.login_throttled", user, {"step": "2fa"}, user=user)
        raise RuleViolation(f"验证失败次数过多，请 {wait_text(wait)}后再试。")
    step = _matching_step(user.totp_secret, code, user.totp_last_step)
    if step is not None:
        user.totp_last_step, how = step, "totp"
    else:
        recovery = db.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash_code(code),
                RecoveryCode.used_at.is_(None),
            )
        )
        if recovery is None:
            throttle.record_failure(account, address)
            record_audit("account.2fa_failed", user, user=user)
            raise SecondFactorWrong("验证码不正确。")
        recovery.used_at, how = utcnow(), "recovery_code"
    throttle.record_success(account, address)
    user.last_login_at = utcnow()
    db.session.flush()
    record_audit("account.login", user, {"second_factor": how}, user=user)
    return how


def recovery_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def reset_two_factor(target: User, by: User) -> None:
    """An admin's reset for a lost authenticator: two factors off, recovery codes gone, logged out everywhere.

    The user enrols again at the next login (at once when the role requires it).
    """
    if target.id == by.id:
        raise RuleViolation("不能重置自己的两步验证，请联系另一位管理员。")
    if not target.two_factor_enabled:
        raise RuleViolation(f"{target.username} 未开启两步验证。")
    target.totp_secret = target.totp_enabled_at = target.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == target.id))
    target.session_version += 1
    db.session.flush()
    record_audit("account.2fa_reset", target, {"username": target.username}, by)
