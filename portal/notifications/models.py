"""In-app notifications, and the outbox every e-mail goes through."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.extensions import db
from portal.core.timeutil import utcnow


class Notification(db.Model):
    """Something a user must know or act on, shown in the portal until read."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    message: Mapped[str] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class OutboxMessage(db.Model):
    """An e-mail. Sent through SMTP when configured (``flask send-mail``); otherwise it waits here."""

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    # Each failed attempt counts; after MAIL_MAX_ATTEMPTS the message is no longer tried. ``error`` is the last one.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(String(300))
