"""Who may read an application and its files: the one rule every page and download asks."""

from sqlalchemy import select

from portal.accounts.models import Role
from portal.applications.models import Application, ApplicationStatus
from portal.core.extensions import db
from portal.review.models import Assignment, ExpertProfile


def can_view_application(user, application: Application) -> bool:
    """The enterprise sees its own; a recommender what was submitted to its organisation; an expert
    what was assigned to them; ministry reviewers and admins everything."""
    if user is None or not user.is_authenticated:
        return False
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id == application.enterprise_id
    if user.role == Role.RECOMMENDER:
        return (
            application.recommender_id is not None
            and user.organisation_id == application.recommender_id
            and application.status != ApplicationStatus.DRAFT
        )
    if user.role == Role.EXPERT:
        assigned = (
            select(Assignment.id)
            .join(ExpertProfile)
            .where(Assignment.application_id == application.id, ExpertProfile.user_id == user.id)
        )
        return db.session.scalar(assigned) is not None
    return user.role in (Role.REVIEWER, Role.ADMIN)
