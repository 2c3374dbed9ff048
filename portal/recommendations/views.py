"""The recommender's pages: the inbox and the review of one application."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.recommendations import ActionForm, ReturnForm
from portal.accounts.models import Role
from portal.admin.models import current_campaign
from portal.applications.models import Application, ApplicationStatus
from portal.applications.rules import Scale
from portal.applications.services import lock_application
from portal.auth import require_role
from portal.errors import RuleViolation
from portal.extensions import db
from portal.recommendations import services
from portal.recommendations.inbox import PAGE_SIZE, inbox_page
from portal.reference import INDUSTRIES, REGIONS
from portal.selfcheck import grouped_items

bp = Blueprint("recommendations", __name__, url_prefix="/recommender")
bp.before_request(require_role(Role.RECOMMENDER))

FILTERS = ("scale", "industry", "status", "region", "q")


def get_addressed_application_or_404(application_id: int) -> Application:
    """An application submitted to the current user's organisation; 404 for anything else."""
    application = db.session.get(Application, application_id)
    if application is None or not application.can_view(current_user):
        abort(404)
    return application


@bp.get("/")
def inbox():
    """The applications addressed to this recommender in the current campaign."""
    campaign = current_campaign()
    if campaign is None:
        return render_template("recommendations/inbox.html", campaign=None, rows=[], total=0)
    filters = {name: request.args.get(name, "") for name in FILTERS}
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = inbox_page(current_user.organisation_id, campaign.id, filters, page, date.today())
    return render_template(
        "recommendations/inbox.html", campaign=campaign, rows=rows, total=total, page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), filters=filters, scales=list(Scale),
        statuses=[s for s in ApplicationStatus if s != ApplicationStatus.DRAFT], industries=INDUSTRIES, regions=REGIONS,
    )


@bp.get("/applications/<int:application_id>")
def review(application_id: int):
    """The whole application, read-only, with its files and the accept / return actions."""
    application = get_addressed_application_or_404(application_id)
    return _render_review(application, ReturnForm())


def _render_review(application: Application, return_form: ReturnForm, status: int = 200):
    return render_template(
        "recommendations/review.html", application=application, return_form=return_form, action_form=ActionForm(),
        groups=grouped_items(), answers=application.answers_by_code(), today=date.today(),
    ), status


@bp.post("/applications/<int:application_id>/accept")
def accept(application_id: int):
    application = get_addressed_application_or_404(application_id)
    if not ActionForm().validate():
        abort(400)
    try:
        services.accept_application(lock_application(application.id), current_user)
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(f"已受理：{application.display_name}。", "success")
    return redirect(url_for("recommendations.review", application_id=application_id))


@bp.post("/applications/<int:application_id>/return")
def return_for_revision(application_id: int):
    application = get_addressed_application_or_404(application_id)
    form = ReturnForm()
    if not form.validate():
        return _render_review(application, form, 422)
    try:
        services.return_application(lock_application(application.id), current_user, form.reason.data)
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "danger")
        return _render_review(application, form, 422)
    db.session.commit()
    flash(f"已退回修改：{application.display_name}。", "success")
    return redirect(url_for("recommendations.inbox"))
