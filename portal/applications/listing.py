"""What a list row shows of an application: a few columns, never the whole row.

An ``Application`` carries two narratives of up to 3,000 characters each; a list of 50 loading the
whole rows sorts and sends kilobytes per row it never shows (with 10,000 candidates PostgreSQL sorted
them on disk). Lists select :data:`LISTED_COLUMNS` and get :class:`ListedApplication` tuples, which
templates read like the model (``a.id``, ``a.org_name``, ``a.status`` …).
"""

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select

from portal.accounts.models import Enterprise
from portal.applications.models import Application, ApplicationStatus
from portal.campaigns.models import Scale


class ListedApplication(NamedTuple):
    id: int
    display_name: str
    org_name: str | None
    scale: Scale | None
    industry: str | None
    province: str | None
    status: ApplicationStatus
    submitted_at: datetime | None


def _display_name():
    """As :attr:`Application.display_name`: the name typed in the form, else the registered one."""
    registered = select(Enterprise.name).where(Enterprise.id == Application.enterprise_id).scalar_subquery()
    return func.coalesce(Application.org_name, registered)


LISTED_COLUMNS = (
    Application.id,
    _display_name(),
    Application.org_name,
    Application.scale,
    Application.industry,
    Application.province,
    Application.status,
    Application.submitted_at,
)


def listed_row(row_class):
    """A row builder for :func:`portal.core.pagination.paginate`: the listed columns first, then ``row_class``'s own."""
    width = len(LISTED_COLUMNS)

    def build(*values):
        return row_class(ListedApplication(*values[:width]), *values[width:])

    return build
