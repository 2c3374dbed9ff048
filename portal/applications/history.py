"""What changed between two submitted versions of an application, field by field.

Each submission freezes a snapshot (:class:`ApplicationVersion`); after a return the recommender
compares the resubmitted version with the one it returned.
"""

from dataclasses import dataclass

from sqlalchemy import select

from portal.applications.completeness import LABELS
from portal.applications.models import Application, ApplicationVersion, CertificationKind, CertificationStatus
from portal.campaigns.models import Scale
from portal.core.extensions import db
from portal.selfcheck import SELF_CHECK_ITEMS, SelfCheckAnswerValue

SCALE_LABEL = {"scale": "企业规模"}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _shown(value) -> str:
    if value is None or value == "":
        return "（空）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    return str(value)


def _field_changes(old: dict, new: dict) -> list[Change]:
    changes = []
    for key, label in {**LABELS, **SCALE_LABEL}.items():
        if key not in old and key not in new:
            continue
        before, after = old.get(key), new.get(key)
        if before != after:
            if key == "scale":
                before, after = (Scale(v).label if v else None for v in (before, after))
            changes.append(Change(label, _shown(before), _shown(after)))
    return changes


def _answer_text(entry: dict | None) -> str:
    if not entry or not entry.get("answer"):
        return "（未答）"
    text = SelfCheckAnswerValue(entry["answer"]).label
    return f"{text}　{entry['remark']}" if entry.get("remark") else text


def _self_check_changes(old: dict, new: dict) -> list[Change]:
    changes = []
    for item in SELF_CHECK_ITEMS:
        before, after = old.get(item.code), new.get(item.code)
        if _answer_text(before) != _answer_text(after):
            changes.append(Change(f"自查 {item.code} {item.content}", _answer_text(before), _answer_text(after)))
    return changes


def _certificate_text(certificate: dict) -> str:
    return (
        f"{CertificationKind(certificate['kind']).label} {certificate['number']}，{certificate['issuer']}，"
        f"{certificate['issued_on']} 至 {certificate['expires_on']}，"
        f"{CertificationStatus(certificate['status']).label}"
    )


def _list_changes(label: str, before: list[str], after: list[str]) -> list[Change]:
    removed = [text for text in before if text not in after]
    added = [text for text in after if text not in before]
    return [Change(label, "；".join(removed) or "（无）", "；".join(added) or "（无）")] if removed or added else []


def compare_snapshots(old: dict, new: dict) -> list[Change]:
    """Every difference between two snapshots, in the order of the application form."""
    return (
        _field_changes(old, new)
        + _list_changes(
            "认证与认可",
            [_certificate_text(c) for c in old.get("certifications", [])],
            [_certificate_text(c) for c in new.get("certifications", [])],
        )
        + _self_check_changes(old.get("self_check", {}), new.get("self_check", {}))
        + _list_changes(
            "附件", [a["name"] for a in old.get("attachments", [])], [a["name"] for a in new.get("attachments", [])]
        )
    )


def versions_of(application: Application) -> list[ApplicationVersion]:
    return list(
        db.session.scalars(
            select(ApplicationVersion)
            .where(ApplicationVersion.application_id == application.id)
            .order_by(ApplicationVersion.number)
        )
    )


def changes_since_last_version(versions: list[ApplicationVersion]) -> list[Change] | None:
    """What the latest submission changed from the one before it; ``None`` for a first submission."""
    if len(versions) < 2:
        return None
    return compare_snapshots(versions[-2].data, versions[-1].data)
