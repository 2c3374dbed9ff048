"""Imports every model, so Alembic and ``create_all`` see all tables."""

from portal.accounts.claims import CodeClaim  # noqa: F401
from portal.accounts.models import Enterprise, Organisation, RecoveryCode, User  # noqa: F401
from portal.admin.models import Campaign  # noqa: F401
from portal.applications.models import (  # noqa: F401
    Application,
    ApplicationVersion,
    Attachment,
    Certification,
    SelfCheckAnswer,
    StatusEvent,
)
from portal.audit import AuditEntry  # noqa: F401
from portal.files import StoredFile  # noqa: F401
from portal.notifications.models import Notification, OutboxMessage  # noqa: F401
from portal.recommendations.models import RankingEntry, Recommendation  # noqa: F401
from portal.review.models import (  # noqa: F401
    Assignment,
    Criterion,
    Decision,
    DeclaredConflict,
    ExpertProfile,
    ReReview,
    ReReviewAnswer,
    ReReviewCertificate,
    ReReviewRound,
    Score,
    SiteVisit,
)
