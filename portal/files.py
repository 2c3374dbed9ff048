"""Uploaded files: checked by content, stored outside ``static/`` under random names.

The original (often Chinese) file name is kept only in the database; ``secure_filename`` would
reduce ``营业执照.pdf`` to ``pdf``. Who may download a file is decided by what it belongs to.
"""

import unicodedata
import uuid
from datetime import datetime
from pathlib import Path

import filetype
from flask import current_app, send_file
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.datastructures import FileStorage

from portal.core.extensions import db
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


class StoredFile(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The application the file belongs to; downloads are allowed to whoever may view it.
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)

    @property
    def size_label(self) -> str:
        return f"{self.size / 1024 / 1024:.1f} MB" if self.size >= 1024 * 1024 else f"{self.size // 1024 + 1} KB"


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
    """The MIME type and bytes of an acceptable upload; raises :class:`UploadRejected`."""
    name = upload.filename or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_TYPES:
        raise UploadRejected(f"文件“{name}”的格式不受支持：{ALLOWED_HINT}。")
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if not data:
        raise UploadRejected(f"文件“{name}”是空文件。")
    if len(data) > limit:
        raise UploadRejected(f"文件“{name}”超过 {limit // 1024 // 1024} MB 的大小限制。")
    kind = filetype.guess(data[:261])
    if kind is None or kind.mime != ALLOWED_TYPES[extension]:
        raise UploadRejected(f"文件“{name}”的内容与扩展名不符：{ALLOWED_HINT}。")
    return kind.mime, data


def store_upload(upload: FileStorage, uploaded_by, application=None) -> StoredFile:
    """Check an upload, write it under a random name and add its record to the session."""
    content_type, data = check_upload(upload)
    stored_name = uuid.uuid4().hex
    (_upload_folder() / stored_name).write_bytes(data)
    stored = StoredFile(
        stored_name=stored_name,
        original_name=clean_file_name(upload.filename),
        content_type=content_type,
        size=len(data),
        uploaded_by_id=uploaded_by.id,
        application_id=application.id if application is not None else None,
    )
    db.session.add(stored)
    return stored


def store_upload_noting_refusal(
    upload: FileStorage | None, uploaded_by, errors: list[str], application=None
) -> StoredFile | None:
    """Store an upload if one was sent; a refusal's reason goes to ``errors`` for the form."""
    if not upload or not upload.filename:
        return None
    try:
        return store_upload(upload, uploaded_by, application)
    except UploadRejected as error:
        errors.append(str(error))
        return None


def send_stored_file(stored: StoredFile, inline: bool = False):
    """The response that downloads a stored file under its original name.

    Images and PDFs may be shown inline for review; the type is the one checked at upload,
    never guessed from the name, so nothing is ever rendered as HTML.
    """
    response = send_file(
        _upload_folder() / stored.stored_name,
        mimetype=stored.content_type,
        as_attachment=not inline,
        download_name=clean_file_name(stored.original_name),  # also names stored before it was cleaned
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
