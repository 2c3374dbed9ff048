"""The sheet between preview and confirm: kept in the instance folder under a random name, tied to the
admin's session, read again on confirm, deleted once applied or replaced. Sheets left by sessions that
never confirmed are removed a day later, at the next upload."""

import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, session
from werkzeug.datastructures import FileStorage

from portal.files import clean_file_name
from portal.imports.kinds import KINDS, ImportKind
from portal.imports.reader import MAX_BYTES, UnreadableWorkbook, check_file

SESSION_KEY = "pending_import"
KEPT_SECONDS = 24 * 3600
CHUNK = 64 * 1024


@dataclass(frozen=True)
class PendingImport:
    token: str
    kind: ImportKind
    file_name: str
    planned: str | None = None  # the fingerprint of what the admin last saw on the preview

    @property
    def path(self) -> str:
        return str(_folder() / f"{self.token}.xlsx")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(exist_ok=True)
    return folder


def store_pending(upload: FileStorage, kind: ImportKind) -> PendingImport:
    """Keep the upload for preview and confirm; refuses (``UnreadableWorkbook``) what is not a safe xlsx.

    At most ``MAX_BYTES`` + 1 bytes are written: enough to know it is too large.
    """
    discard_pending()
    _remove_stale()
    pending = PendingImport(secrets.token_hex(16), kind, clean_file_name(upload.filename or "import.xlsx"))
    size = 0
    with open(pending.path, "wb") as target:
        while size <= MAX_BYTES and (chunk := upload.stream.read(CHUNK)):
            target.write(chunk)
            size += len(chunk)
    try:
        check_file(pending.path, size)
    except UnreadableWorkbook:
        Path(pending.path).unlink(missing_ok=True)
        raise
    session[SESSION_KEY] = {"token": pending.token, "kind": kind.code, "file_name": pending.file_name}
    return pending


def pending_import(token: str | None = None) -> PendingImport | None:
    """The session's pending import (the one with ``token``, if given), if its file is still there."""
    kept = session.get(SESSION_KEY) or {}
    if not re.fullmatch(r"[0-9a-f]{32}", kept.get("token", "")) or kept.get("kind") not in KINDS:
        return None
    if token is not None and token != kept["token"]:
        return None
    pending = PendingImport(kept["token"], KINDS[kept["kind"]], kept.get("file_name", ""), kept.get("planned"))
    return pending if Path(pending.path).is_file() else None


def remember_plan(fingerprint: str) -> None:
    """What the preview just showed: confirming applies it only if it is still what the file would do."""
    session[SESSION_KEY] = session[SESSION_KEY] | {"planned": fingerprint}


def discard_pending() -> None:
    pending = pending_import()
    if pending is not None:
        Path(pending.path).unlink(missing_ok=True)
    session.pop(SESSION_KEY, None)


def _remove_stale() -> None:
    limit = time.time() - KEPT_SECONDS
    for path in _folder().glob("*.xlsx"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
