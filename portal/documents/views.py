"""The documents' routes: the 申报书 PDF, the reviewer's dossier, ZIPs of dossiers.

Each route checks who asks: an application's documents go to whoever :meth:`Application.can_view`
lets in (others get 404, as if it did not exist); the lists are each role's own.
"""

from functools import wraps

from flask import Blueprint, Response, abort
from flask_login import current_user, login_required

from portal.accounts.models import Role
from portal.admin.models import current_campaign_id
from portal.applications import services as application_services
from portal.applications.models import Application
from portal.applications.pledge import pledge_context
from portal.core.extensions import db
from portal.documents.facts import document_facts
from portal.documents.pdf import PdfUnavailable, render_application_pdf
from portal.selfcheck import SELF_CHECK_NOTE

bp = Blueprint("documents", __name__)


@bp.app_context_processor
def _document_helpers():
    return {**pledge_context(), "application_document": document_facts, "selfcheck_note": SELF_CHECK_NOTE}


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
    if application is None or not application.can_view(current_user):
        abort(404)
    return application


def pdf_response(data: bytes, download_name: str, inline: bool = True) -> Response:
    from urllib.parse import quote

    response = Response(data, mimetype="application/pdf")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(download_name)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _application_pdf(application: Application) -> Response:
    try:
        data = render_application_pdf(application)
    except PdfUnavailable:
        abort(503)
    return pdf_response(data, f"申报书-{application.display_name}.pdf")


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
