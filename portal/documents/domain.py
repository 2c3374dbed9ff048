"""What the documents take from the other domains, in one place.

The campaigns, the access rule and the candidates page are being restructured on ``main`` while this
package is written; when the two meet, this module is the one to follow (the rest of
``portal/documents`` imports from here):

- ``Campaign``, ``Scale``, ``current_campaign``, ``current_campaign_id``: ``portal.campaigns.models``
  on main (``portal.admin.models`` and ``portal.applications.rules`` here);
- :func:`can_view`: ``portal.applications.access.can_view_application(user, application)`` on main;
- :func:`candidates_in_order`: ``candidates_page(...)`` returns a ``Page`` on main (``.rows``).
"""

from datetime import date

from portal.admin.models import DEFAULT_ISSUING_AUTHORITIES, Campaign, current_campaign, current_campaign_id
from portal.applications.rules import Scale

__all__ = [
    "Campaign",
    "Scale",
    "can_view",
    "candidates_in_order",
    "current_campaign",
    "current_campaign_id",
    "issuing_authorities",
]


def can_view(user, application) -> bool:
    """The one access rule for an application and its files."""
    return application.can_view(user)


def candidates_in_order(campaign: Campaign, filters: dict, today: date, limit: int) -> list:
    """The candidates page's rows (``CandidateRow``) for ``filters``, in its order, all pages at once."""
    from portal.review.candidates import candidates_page

    rows, _total = candidates_page(campaign, filters, 1, today, page_size=limit)
    return rows


def issuing_authorities(campaign: Campaign | None) -> list[str]:
    """The campaign's issuing authorities, one name each: ``["国家市场监督管理总局", "工业和信息化部"]``."""
    names = (campaign.issuing_authorities if campaign is not None else None) or DEFAULT_ISSUING_AUTHORITIES
    return names.replace("、", " ").split()
