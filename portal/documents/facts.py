"""What a printed 申报书 says about itself, computed once for the print view and the PDF."""

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.applications.models import Application, ApplicationVersion
from portal.core.extensions import db
from portal.selfcheck import SELF_CHECK_ITEMS


def fingerprint(data: dict) -> str:
    """The first 12 hex digits of the SHA-256 of a frozen snapshot, in a canonical JSON form.

    Printed in the footer, it lets a sealed paper copy be matched to the version that was submitted
    (``ApplicationVersion.data``): anyone can recompute it from the stored snapshot.
    """
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Remark:
    code: str
    topic: str
    content: str
    text: str


@dataclass(frozen=True)
class DocumentFacts:
    year: int | None
    issuers: list[str]
    version_number: int | None  # the latest submitted version
    version_fingerprint: str | None
    matches_version: bool  # the application is still what that version froze
    remarks: list[Remark] = field(default_factory=list)

    @property
    def issuer_line(self) -> str:
        return "\u3000".join(self.issuers)

    @property
    def version_line(self) -> str:
        """The footer's words: which submitted version this copy is, and its fingerprint."""
        if self.version_number is None:
            return "草稿，尚未提交"
        if self.matches_version:
            return f"提交版本：第 {self.version_number} 版　指纹 {self.version_fingerprint}"
        return f"含未提交的修改（最近提交：第 {self.version_number} 版，指纹 {self.version_fingerprint}）"


def latest_version(application: Application) -> ApplicationVersion | None:
    return db.session.scalar(
        select(ApplicationVersion)
        .where(ApplicationVersion.application_id == application.id)
        .order_by(ApplicationVersion.number.desc())
        .limit(1)
    )


def _as_stored(data: dict) -> dict:
    """A snapshot as the JSON column gives it back (tuples as lists, and so on)."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def document_facts(application: Application) -> DocumentFacts:
    from portal.applications.services import _snapshot  # the one definition of what a version freezes

    version = latest_version(application)
    answers = application.answers_by_code()
    remarks = [
        Remark(item.code, item.topic, item.content, answers[item.code].remark)
        for item in SELF_CHECK_ITEMS
        if item.code in answers and answers[item.code].remark
    ]
    campaign = application.campaign
    return DocumentFacts(
        year=campaign.year if campaign else None,
        issuers=campaign.issuer_names if campaign else [],
        version_number=version.number if version else None,
        version_fingerprint=fingerprint(version.data) if version else None,
        matches_version=version is not None and _as_stored(_snapshot(application)) == _as_stored(version.data),
        remarks=remarks,
    )
