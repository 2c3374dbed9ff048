"""The documents' routes: the 申报书 PDF, the reviewer's dossier, ZIPs of dossiers.

Each route checks who asks: an application's documents go to whoever the access rule
(:func:`portal.applications.access.can_view_application`) lets in (others get 404, as if it did not exist);
the lists are each role's own.
"""

from functools import wraps

from flask import Blueprint, Response, abort, stream_with_context
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.filters import CandidateFilterForm
from portal.accounts.models import Role
from portal.applications import services as application_services
from portal.applications.access import can_view_application
from portal.applications.models import Application
from portal.applications.pledge import pledge_context
from portal.campaigns.models import Scale, current_campaign, current_campaign_id
from portal.core.downloads import content_disposition
from portal.core.extensions import db
from portal.core.timeutil import local_today
from portal.documents.dossier import build_dossier
from portal.documents.facts import document_facts, fingerprint
from portal.documents.pdf import PdfUnavailable, pdf_available, render_application_pdf
from portal.documents.zipstream import safe_name, unique_names, zip_stream
from portal.exports.recommendation_sheet import SCALE_LABELS
from portal.recommendations.services import find_recommendation
from portal.review.candidates import candidates_page
from portal.selfcheck import SELF_CHECK_NOTE

bp = Blueprint("documents", __name__)
# The candidates page's filters (portal/review/views.py), read the same way for the ZIP.
MAX_ZIP_DOSSIERS = 10000  # far above a national campaign's candidates (about 100 recommenders x 10)


@bp.app_context_processor
def _document_helpers():
    return {**pledge_context(), "application_document": document_facts, "selfcheck_note": SELF_CHECK_NOTE}


@bp.app_template_filter("fingerprint")
def _fingerprint_filter(data: dict) -> str:
    """A submitted version's fingerprint, as the 申报书's footer prints it."""
    return fingerprint(data)


def roles(*allowed: Role):
    """Logged in with one of ``allowed`` roles, else 403 (anonymous visitors go to the login page)."""

    def decorate(view):
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def viewable_application_or_404(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or not can_view_application(current_user, application):
        abort(404)
    return application


def pdf_response(data: bytes, download_name: str, ascii_name: str, inline: bool = True) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(download_name, ascii_name, inline)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _application_pdf(application: Application) -> Response:
    try:
        data = render_application_pdf(application)
    except PdfUnavailable:
        abort(503)
    return pdf_response(data, f"申报书-{safe_name(application.display_name)}.pdf", f"application-{application.id}.pdf")


@bp.get("/application/print.pdf")
@roles(Role.ENTERPRISE)
def own_application_pdf():
    """The enterprise's own 申报书 as PDF (the print view, rendered on the server)."""
    application = application_services.find_application(current_user.enterprise_id, current_campaign_id())
    if application is None:
        abort(404)
    return _application_pdf(application)


@bp.get("/documents/applications/<int:application_id>.pdf")
@login_required
def application_pdf(application_id: int):
    """The same 申报书 PDF for everyone allowed to see the application; 404 for anyone else."""
    return _application_pdf(viewable_application_or_404(application_id))


REVIEWING_ROLES = (Role.RECOMMENDER, Role.REVIEWER, Role.ADMIN, Role.EXPERT)


@bp.get("/documents/applications/<int:application_id>/dossier.pdf")
@roles(*REVIEWING_ROLES)
def application_dossier(application_id: int):
    """The reviewer's dossier: the 申报书 and every uploaded file in one PDF, with bookmarks."""
    application = viewable_application_or_404(application_id)
    try:
        data = build_dossier(application)
    except PdfUnavailable:
        abort(503)
    return pdf_response(data, f"申报材料-{safe_name(application.display_name)}.pdf", f"dossier-{application.id}.pdf")


def _zip_response(entries: list[tuple[str, int]], download_name: str) -> Response:
    """Stream a ZIP of dossiers; ``entries`` are (name in the archive without .pdf, application id)."""
    if entries and not pdf_available():
        abort(503)
    names = unique_names([f"{safe_name(name)}.pdf" for name, _ in entries])

    def dossier_of(application_id: int):
        def make() -> bytes:
            try:
                return build_dossier(db.session.get(Application, application_id))
            finally:
                # One transaction per dossier, not one for the whole ZIP: on SQLite every transaction
                # holds the write lock (portal/core/database.py), on PostgreSQL a snapshot.
                db.session.rollback()

        return make

    members = [(name, dossier_of(application_id)) for name, (_, application_id) in zip(names, entries, strict=True)]
    response = Response(stream_with_context(zip_stream(members)), mimetype="application/zip")
    response.headers["Content-Disposition"] = content_disposition(download_name, "dossiers.zip")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/documents/recommender/dossiers.zip")
@roles(Role.RECOMMENDER)
def recommender_dossiers():
    """The dossiers of the recommender's ranked lists, in the 推荐汇总表's order (大型, then 中小型)."""
    campaign = current_campaign() or abort(404)
    recommendation = find_recommendation(campaign, current_user.organisation_id)
    entries = []
    if recommendation is not None:
        number = 0
        for scale in (Scale.LARGE, Scale.SME):
            for entry in recommendation.ranked(scale):
                number += 1
                entries.append(
                    (f"{number:02d}-{SCALE_LABELS[scale]}-{entry.application.display_name}", entry.application_id)
                )
    return _zip_response(entries, f"申报材料-{current_user.organisation.name}.zip")


@bp.get("/documents/candidates/dossiers.zip")
@roles(Role.REVIEWER, Role.ADMIN)
def candidate_dossiers():
    """The dossiers of the candidates as the candidates page filters and sorts them (every page)."""
    campaign = current_campaign() or abort(404)
    filters = CandidateFilterForm().filters()
    rows = candidates_page(campaign, filters, 1, local_today(), page_size=MAX_ZIP_DOSSIERS).rows
    entries = [
        (f"{number:03d}-{row.recommender}-{row.application.display_name}", row.application.id)
        for number, row in enumerate(rows, start=1)
    ]
    return _zip_response(entries, f"候选单位申报材料-{campaign.year}.zip")


@bp.get("/documents/expert/dossiers.zip")
@roles(Role.EXPERT)
def expert_dossiers():
    """The dossiers of the candidates assigned to this expert."""
    from portal.review.models import Assignment, ExpertProfile

    applications = db.session.scalars(
        select(Application)
        .join(Assignment, Assignment.application_id == Application.id)
        .join(ExpertProfile, ExpertProfile.id == Assignment.expert_id)
        .where(ExpertProfile.user_id == current_user.id, Application.campaign_id == current_campaign_id())
        .order_by(Assignment.id)
    ).all()
    entries = [
        (f"{number:02d}-{application.display_name}", application.id)
        for number, application in enumerate(applications, 1)
    ]
    return _zip_response(entries, "评审材料.zip")
