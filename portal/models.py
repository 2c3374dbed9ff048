"""Imports every model, so Alembic and ``create_all`` see all tables."""

from portal.accounts.claims import CodeClaim  # noqa: F401
from portal.accounts.models import Enterprise, Organisation, RecoveryCode, User  # noqa: F401
from portal.applications.models import (  # noqa: F401
    Application,
    ApplicationVersion,
    Attachment,
    Certification,
    SelfCheckAnswer,
    StatusEvent,
)
from portal.audit import AuditEntry  # noqa: F401
from portal.campaigns.models import Campaign  # noqa: F401
from portal.files import StoredFile  # noqa: F401
from portal.notifications.models import Notification, OutboxMessage  # noqa: F401
from portal.recommendations.models import RankingEntry, Recommendation  # noqa: F401
from portal.rereview.models import ReReview, ReReviewAnswer, ReReviewCertificate, ReReviewRound  # noqa: F401
from portal.review.models import Criterion, Decision, DeclaredConflict, ExpertProfile, Score, SiteVisit  # noqa: F401
