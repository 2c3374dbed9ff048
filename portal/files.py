"""Uploaded files: checked by content, stored outside ``static/`` under random names, and who may download them.

The original (often Chinese) file name is kept only in the database; ``secure_filename`` would
reduce ``营业执照.pdf`` to ``pdf``. A file knows what owns it (:class:`FileOwner`), and
:func:`can_download` is the one policy that decides who may fetch it.

Services store a file (:func:`store_upload`) only after their own rules passed. A file written
in a transaction that then does not commit is deleted again (:func:`init_file_cleanup`), so a
refused or rolled-back upload leaves nothing on disk.
"""

import unicodedata
import uuid
from datetime import datetime
from pathlib import Path

import filetype
from flask import current_app, send_file
from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.datastructures import FileStorage

from portal.core.downloads import content_disposition
from portal.core.extensions import db
from portal.core.models_base import LabelledEnum, enum_column
from portal.core.timeutil import utcnow

# Extension -> the MIME type the content must have.
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
ALLOWED_HINT = "仅支持 PDF、JPG、PNG 格式"


class UploadRejected(ValueError):
    """The file cannot be accepted; the message is shown next to the field."""


class FileOwner(LabelledEnum):
    """What a file belongs to, which decides who may download it."""

    APPLICATION = "application", "申报材料"  # the enterprise's certificates, licence, evidence, re-review uploads
    RECOMMENDATION = "recommendation", "推荐汇总表盖章件"
    MINISTRY = "ministry", "主管部门内部材料"  # site-visit and on-site check reports, re-review evidence
    RECTIFICATION = "rectification", "整改材料"  # a unit's rectification report at re-review


class StoredFile(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    owner: Mapped[FileOwner] = mapped_column(enum_column(FileOwner), default=FileOwner.APPLICATION)
    # The application an application's or a ministry-internal file is about.
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)

    @property
    def size_label(self) -> str:
        return f"{self.size / 1024 / 1024:.1f} MB" if self.size >= 1024 * 1024 else f"{self.size // 1024 + 1} KB"


def can_download(user, stored: StoredFile) -> bool:
    """Who may fetch a file: the one policy for every download link.

    * application material: whoever may view the application (:func:`can_view_application`);
    * the recommender's sealed scan: that recommender and the ministries (``Recommendation.can_view``);
    * ministry-internal records: ministry reviewers and admins only, never the enterprise or its recommender;
    * a rectification report: the unit itself and the ministries, not its recommender.
    """
    # Imported here: the owners' models refer to StoredFile, so this module cannot import them first.
    from portal.accounts.models import Role
    from portal.applications.access import can_view_application
    from portal.applications.models import Application
    from portal.recommendations.models import Recommendation

    if not user.is_authenticated:
        return False
    if stored.owner == FileOwner.MINISTRY:
        return user.role in (Role.REVIEWER, Role.ADMIN)
    if stored.owner == FileOwner.RECOMMENDATION:
        recommendation = db.session.scalar(db.select(Recommendation).where(Recommendation.sealed_scan_id == stored.id))
        return recommendation is not None and recommendation.can_view(user)
    application = db.session.get(Application, stored.application_id) if stored.application_id else None
    if application is None:
        return False
    if stored.owner == FileOwner.RECTIFICATION:
        return user.role in (Role.REVIEWER, Role.ADMIN) or (
            user.role == Role.ENTERPRISE and user.enterprise_id == application.enterprise_id
        )
    return can_view_application(user, application)


def clean_file_name(name: str) -> str:
    """The name without control or format characters: a CR/LF would break the download's header,
    a right-to-left override would disguise the extension."""
    kept = "".join(char for char in name if unicodedata.category(char) not in ("Cc", "Cf"))
    return Path(kept.replace("\\", "/")).name.strip()[:255] or "file"


def _upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_upload(upload: FileStorage) -> tuple[str, bytes]:
    """The MIME type and bytes of an acceptable upload; raises :class:`UploadRejected`.

    The stream is rewound, so a form validator can check a file that a service stores later.
    """
    name = upload.filename or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_TYPES:
        raise UploadRejected(f"文件“{name}”的格式不受支持：{ALLOWED_HINT}。")
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    upload.stream.seek(0)
    data = upload.stream.read(limit + 1)
    upload.stream.seek(0)
    if not data:
        raise UploadRejected(f"文件“{name}”是空文件。")
    if len(data) > limit:
        raise UploadRejected(f"文件“{name}”超过 {limit // 1024 // 1024} MB 的大小限制。")
    kind = filetype.guess(data[:261])
    if kind is None or kind.mime != ALLOWED_TYPES[extension]:
        raise UploadRejected(f"文件“{name}”的内容与扩展名不符：{ALLOWED_HINT}。")
    return kind.mime, data


def is_upload(upload: FileStorage | None) -> bool:
    """Whether a file was chosen in the field (an empty file input sends a nameless part)."""
    return bool(upload and upload.filename)


def write_upload(upload: FileStorage) -> tuple[str, str, int]:
    """Check an upload and write it under a random name: ``(stored_name, content_type, size)``.

    The file is deleted again if the transaction does not commit (:func:`init_file_cleanup`).
    """
    content_type, data = check_upload(upload)
    stored_name = uuid.uuid4().hex
    path = _upload_folder() / stored_name
    path.write_bytes(data)
    db.session.info.setdefault("uncommitted_files", []).append(path)
    return stored_name, content_type, len(data)


def store_upload(upload: FileStorage, uploaded_by, owner: FileOwner, application=None) -> StoredFile:
    """Check and write an upload, and add its record to the session."""
    stored_name, content_type, size = write_upload(upload)
    stored = StoredFile(
        stored_name=stored_name,
        original_name=clean_file_name(upload.filename),
        content_type=content_type,
        size=size,
        uploaded_by_id=uploaded_by.id,
        owner=owner,
        application_id=application.id if application is not None else None,
    )
    db.session.add(stored)
    return stored


def store_if_given(upload: FileStorage | None, uploaded_by, owner: FileOwner, application=None) -> StoredFile | None:
    """:func:`store_upload` for an optional field: ``None`` when no file was chosen."""
    return store_upload(upload, uploaded_by, owner, application) if is_upload(upload) else None


def _forget_committed_files(session: Session) -> None:
    session.info.pop("uncommitted_files", None)


def _delete_files_of_uncommitted_transaction(session: Session, transaction) -> None:
    """A transaction ended without commit (rolled back, or the session closed): its files go too."""
    if transaction.parent is None:  # the whole transaction, not a savepoint inside it
        for path in session.info.pop("uncommitted_files", []):
            path.unlink(missing_ok=True)


def init_file_cleanup() -> None:
    """Delete the files written by a transaction that does not commit (refused, rolled back, or abandoned)."""
    for name, listener in (
        ("after_commit", _forget_committed_files),
        ("after_transaction_end", _delete_files_of_uncommitted_transaction),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def send_stored_file(stored: StoredFile, inline: bool = False):
    """The response that downloads a stored file under its original name.

    Images and PDFs may be shown inline for review; the type is the one checked at upload,
    never guessed from the name, so nothing is ever rendered as HTML.
    """
    response = send_file(_upload_folder() / stored.stored_name, mimetype=stored.content_type, max_age=0)
    name = clean_file_name(stored.original_name)  # also names stored before they were cleaned
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    response.headers["Content-Disposition"] = content_disposition(name, f"file-{stored.id}.{extension}", inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
