"""The user's notifications, and the navigation's unread count."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.base import ActionForm
from portal.accounts.models import Role
from portal.core.arguments import bounded_int
from portal.core.auth import require_role
from portal.core.extensions import db
from portal.notifications import services
from portal.notifications.models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
bp.before_request(require_role(*Role))  # every logged-in user

SHOWN = 100


@bp.get("/")
def index():
    notifications = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc())
        .limit(SHOWN)
    ).all()
    return render_template("notifications/index.html", notifications=notifications, action_form=ActionForm())


@bp.post("/read")
def read():
    """Mark one (``id``) or all notifications read; then go to the notification's page, if any."""
    if not ActionForm().validate():
        abort(400)
    notification_id = request.form.get("id", type=bounded_int)
    services.mark_read(current_user, notification_id)
    notification = db.session.get(Notification, notification_id) if notification_id else None
    if notification is not None and notification.user_id == current_user.id and notification.link:
        return redirect(notification.link)
    return redirect(url_for("notifications.index"))
