"""Squatted 统一社会信用代码: the enterprise that proves a code is its own gets it back.

The code is the login name and unique, so whoever registers it first holds it. The real enterprise
(which finds "已注册" at registration) sends a claim with its business licence; an admin compares the
licence with the code and decides. On approval the squatting account is deactivated and renamed (its
applications stay with it, for the record), a new account is made for the claimant with the code, and a
one-time link to set its password goes to the e-mail address given in the claim. Every step is audited.
"""

from datetime import datetime
from pathlib import Path

from flask import current_app, request, send_file
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.accounts.models import Enterprise, Role, User
from portal.accounts.services import enterprise_without_account
from portal.accounts.throttle import login_throttle, wait_text
from portal.accounts.uscc import normalise_uscc, uscc_error
from portal.audit import record_audit
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.reasons import require_reason
from portal.core.timeutil import utcnow
from portal.files import clean_file_name, write_upload
from portal.notifications.models import OutboxMessage
from portal.notifications.services import SUBJECT_PREFIX

CLAIMS_PER_ADDRESS_PER_DAY = 3


class CodeClaim(db.Model):
    """A claim to a registered 统一社会信用代码, with the claimant's business licence."""

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(120))
    contact_name: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(120))
    statement: Mapped[str] = mapped_column(Text)
    # The licence: stored like uploads (random name, checked content), outside the StoredFile table
    # because its uploader has no account.
    licence_stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    licence_original_name: Mapped[str] = mapped_column(String(255))
    licence_content_type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | approved | rejected
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decision_reason: Mapped[str | None] = mapped_column(String(500))

    STATUS_LABELS = {"pending": "待处理", "approved": "已找回", "rejected": "未通过"}

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS.get(self.status, self.status)


def holder_of(uscc: str) -> User | None:
    """The account that holds the code now."""
    return db.session.scalar(select(User).join(User.enterprise).where(Enterprise.uscc == normalise_uscc(uscc)))


def submit_claim(values: dict, licence) -> CodeClaim:
    """Record a claim (anyone may send one; a few per address and day)."""
    wait = login_throttle().attempt("code-claim", request.remote_addr, CLAIMS_PER_ADDRESS_PER_DAY, 24 * 3600)
    if wait:
        raise RuleViolation(f"本网络地址提交的申请过多，请 {wait_text(wait)}后再试。")
    uscc = normalise_uscc(values["uscc"])
    error = uscc_error(uscc)
    if error:
        raise RuleViolation(error)
    if holder_of(uscc) is None and enterprise_without_account(uscc) is None:
        raise RuleViolation("该统一社会信用代码尚未注册，请直接注册。")
    stored_name, content_type, _size = write_upload(licence)  # an anonymous claimant: no StoredFile row
    claim = CodeClaim(
        uscc=uscc,
        enterprise_name=values["enterprise_name"].strip(),
        contact_name=values["contact_name"].strip(),
        mobile=values["mobile"].strip(),
        email=values["email"].strip(),
        statement=values["statement"].strip(),
        licence_stored_name=stored_name,
        licence_original_name=clean_file_name(licence.filename or "licence"),
        licence_content_type=content_type,
        ip_address=request.remote_addr,
    )
    db.session.add(claim)
    db.session.flush()
    record_audit("account.code_claim", claim, {"uscc": uscc, "enterprise_name": claim.enterprise_name})
    return claim


def _pending(claim: CodeClaim) -> None:
    if claim.status != "pending":
        raise RuleViolation("该申请已处理。")


def approve_claim(claim: CodeClaim, reason: str, by: User) -> User:
    """Hand the code to the claimant: the holder is deactivated and renamed, a new account gets the code."""
    from portal.accounts.tokens import issue_password_link

    _pending(claim)
    reason = require_reason(reason, "处理理由")
    holder = holder_of(claim.uscc)
    if holder is not None:
        released = f"#{holder.enterprise.id:017d}"  # '#' is in no real code: it can never collide
        holder.enterprise.uscc = released
        holder.username = f"released-{holder.id}-{claim.uscc}"
        holder.active = False
        holder.session_version += 1
        db.session.flush()
        record_audit("account.code_released", holder, {"uscc": claim.uscc, "claim_id": claim.id}, by)
    enterprise = (holder is None and enterprise_without_account(claim.uscc)) or Enterprise(uscc=claim.uscc)
    enterprise.name, enterprise.contact_name = claim.enterprise_name, claim.contact_name
    enterprise.mobile, enterprise.email = claim.mobile, claim.email
    user = User(
        username=claim.uscc,
        role=Role.ENTERPRISE,
        display_name=claim.enterprise_name,
        email=claim.email,
        enterprise=enterprise,
        password_hash="!",  # no password works until the link sets one
    )
    db.session.add_all([enterprise, user])
    db.session.flush()
    claim.status, claim.decided_at, claim.decided_by_id, claim.decision_reason = "approved", utcnow(), by.id, reason
    record_audit("account.code_claim_approved", claim, {"uscc": claim.uscc, "reason": reason, "user_id": user.id}, by)
    issue_password_link(user, "invite", by)
    return user


def reject_claim(claim: CodeClaim, reason: str, by: User) -> None:
    _pending(claim)
    reason = require_reason(reason, "处理理由")
    claim.status, claim.decided_at, claim.decided_by_id, claim.decision_reason = "rejected", utcnow(), by.id, reason
    db.session.add(
        OutboxMessage(
            to_address=claim.email,
            subject=f"{SUBJECT_PREFIX}统一社会信用代码找回申请未通过",
            body=f"{claim.contact_name}：\n\n您为“{claim.enterprise_name}”提交的统一社会信用代码 {claim.uscc} "
            f"找回申请未通过。理由：{reason}\n\n（本邮件由系统自动发送，请勿回复。）",
        )
    )
    db.session.flush()
    record_audit("account.code_claim_rejected", claim, {"uscc": claim.uscc, "reason": reason}, by)


def send_licence(claim: CodeClaim):
    response = send_file(
        Path(current_app.config["UPLOAD_FOLDER"]) / claim.licence_stored_name,
        mimetype=claim.licence_content_type,
        as_attachment=True,
        download_name=clean_file_name(claim.licence_original_name),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
