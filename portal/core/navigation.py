"""What the navigation bar shows besides its links: unread notifications and a unit's open re-review.

The bar is on every page, so its look-ups are part of the cost of every page: they are one SELECT.
"""

from flask import request
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.models import Role
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.notifications.services import unread_count_column
from portal.rereview.services import open_review_state_column


def navigation_facts() -> dict:
    """``unread_notifications``; for an enterprise, ``open_rereview``: None, the state of its open re-review
    (a :class:`ReReviewState` value) or "history" (:func:`open_review_state_column`)."""
    if not current_user.is_authenticated:
        return {}
    columns = [unread_count_column(current_user).label("unread_notifications")]
    if current_user.role == Role.ENTERPRISE:
        columns.append(open_review_state_column(current_user.enterprise_id, utcnow()).label("open_rereview"))
    return db.session.execute(select(*columns)).one()._asdict()


def current_nav_link(urls: list[str]) -> str | None:
    """The link of the bar that the page belongs to: the longest whose path is the page's or begins it
    (a candidate's page belongs to 候选单位, ``/review/candidates``, not to 总览, ``/review/``)."""
    path = request.path
    within = [url for url in urls if path == url or path.startswith(url.rstrip("/") + "/")]
    return max(within, key=len, default=None)


def register_navigation(app) -> None:
    app.context_processor(navigation_facts)
    app.add_template_global(current_nav_link)
