"""Who may see a page: one role guard per blueprint, installed with ``before_request``."""

from flask import abort
from flask_login import current_user

from portal.accounts.models import Role, User
from portal.core.extensions import db, login_manager


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user behind a login cookie, unless the cookie was revoked (``session_version``)."""
    try:
        raw_id, raw_version = user_id.split(":")
        user = db.session.get(User, int(raw_id))
    except ValueError:
        return None
    if user is None or not user.active or str(user.session_version) != raw_version:
        return None
    return user


def require_role(*roles: Role):
    """A ``before_request`` hook: anonymous users go to login, other roles get 403."""

    def guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(403)
        return None

    return guard


def role_home_endpoint(user) -> str:
    """Where each role starts after login."""
    return {
        Role.ENTERPRISE: "applications.overview",
        Role.RECOMMENDER: "recommendations.inbox",
        Role.REVIEWER: "review.dashboard",
        Role.EXPERT: "experts.assignments",
        Role.ADMIN: "admin.campaigns",
    }.get(user.role, "main.index")
