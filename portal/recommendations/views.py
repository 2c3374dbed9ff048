"""The recommender's pages: the inbox and the review of one application."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.recommendations import ActionForm, ReorderForm, ReturnForm, SubmissionForm
from portal.accounts.models import Role
from portal.admin.models import current_campaign
from portal.applications.history import changes_since_last_version, versions_of
from portal.applications.models import Application, ApplicationStatus
from portal.applications.rules import Scale
from portal.applications.services import lock_application
from portal.core import page_cache
from portal.core.auth import require_role
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.core.transactions import apply_change
from portal.exports.application_list import write_application_list
from portal.exports.recommendation_sheet import summary_rows, write_summary_sheet
from portal.exports.spreadsheets import send_workbook
from portal.files import store_upload_noting_refusal
from portal.recommendations import services
from portal.recommendations.inbox import PAGE_SIZE, inbox_filter, inbox_page
from portal.recommendations.models import Recommendation
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
    return page_cache.render_page(
        "recommendations/inbox.html", (current_user.organisation_id,), (page_cache.LISTS,), _inbox_content
    )


def _inbox_content() -> dict:
    campaign = current_campaign()
    if campaign is None:
        return dict(campaign=None, rows=[], total=0)
    filters = {name: request.args.get(name, "") for name in FILTERS}
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = inbox_page(current_user.organisation_id, campaign.id, filters, page, date.today())
    return dict(
        campaign=campaign,
        rows=rows,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        filters=filters,
        scales=list(Scale),
        statuses=[s for s in ApplicationStatus if s != ApplicationStatus.DRAFT],
        industries=INDUSTRIES,
        regions=REGIONS,
    )


@bp.get("/applications.xlsx")
def export_applications():
    """The inbox, as filtered, with key fields and self-check answers."""
    campaign = current_campaign() or abort(404)
    filters = {name: request.args.get(name, "") for name in FILTERS}
    path = write_application_list(inbox_filter(current_user.organisation_id, campaign.id, filters))
    return send_workbook(path, f"申报书列表-{current_user.organisation.name}.xlsx")


@bp.get("/applications/<int:application_id>")
def review(application_id: int):
    """The whole application, read-only, with its files and the accept / return actions."""
    application = get_addressed_application_or_404(application_id)
    return _render_review(application, ReturnForm())


def _render_review(application: Application, return_form: ReturnForm, status: int = 200):
    versions = versions_of(application)
    shown = request.args.get("version", len(versions), type=int)
    compared = [version for version in versions if version.number <= shown]
    return render_template(
        "recommendations/review.html",
        application=application,
        return_form=return_form,
        action_form=ActionForm(),
        groups=grouped_items(),
        answers=application.answers_by_code(),
        today=date.today(),
        versions=versions,
        compared=compared[-2:],
        changes=changes_since_last_version(compared),
    ), status


@bp.post("/applications/<int:application_id>/accept")
def accept(application_id: int):
    application = get_addressed_application_or_404(application_id)
    if not ActionForm().validate():
        abort(400)
    apply_change(
        lambda: services.accept_application(lock_application(application.id), current_user),
        f"已受理：{application.display_name}。",
    )
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


def _own_recommendation(campaign) -> Recommendation | None:
    return services.find_recommendation(campaign, current_user.organisation_id)


@bp.get("/ranking")
def ranking():
    """The two ranked lists, the pool of accepted candidates not yet in them, and the submission."""
    campaign = current_campaign() or abort(404)
    return _render_ranking(campaign, SubmissionForm())


def _render_ranking(campaign, submission_form: SubmissionForm, status: int = 200):
    recommendation = _own_recommendation(campaign)
    ranked_ids = {entry.application_id for entry in recommendation.entries} if recommendation else set()
    pool = db.session.scalars(
        select(Application)
        .where(
            Application.campaign_id == campaign.id,
            Application.recommender_id == current_user.organisation_id,
            Application.status == ApplicationStatus.ACCEPTED,
        )
        .order_by(Application.scale, Application.org_name)
    ).all()
    lists = [(scale, recommendation.ranked(scale) if recommendation else [], campaign.quota(scale)) for scale in Scale]
    is_open = recommendation.is_open(campaign, utcnow()) if recommendation else campaign.accepts_recommendations()
    return render_template(
        "recommendations/ranking.html",
        campaign=campaign,
        recommendation=recommendation,
        is_open=is_open,
        lists=lists,
        pool=[a for a in pool if a.id not in ranked_ids],
        action_form=ActionForm(),
        reorder_form=ReorderForm(),
        submission_form=submission_form,
    ), status


@bp.post("/ranking/order")
def reorder():
    """The new order of one list after a drag and drop."""
    campaign = current_campaign() or abort(404)
    form = ReorderForm()
    if not form.validate() or form.scale.data not in {scale.value for scale in Scale}:
        abort(400)
    apply_change(
        lambda: services.reorder_ranking(current_user, campaign, Scale(form.scale.data), form.application_ids()),
        "排序已保存。",
    )
    return redirect(url_for("recommendations.ranking"))


@bp.post("/ranking/submit")
def submit():
    """Submit the ranked 推荐汇总表 with the 报送信息 and the sealed scan."""
    campaign = current_campaign() or abort(404)
    form = SubmissionForm()
    if not form.validate():
        return _render_ranking(campaign, form, 422)
    errors: list[str] = []
    scan = store_upload_noting_refusal(form.sealed_scan.data, current_user, errors)
    if errors:
        form.sealed_scan.errors = errors
        return _render_ranking(campaign, form, 422)
    if apply_change(
        lambda: services.submit_recommendation(campaign, current_user, form.details(), scan),
        "推荐汇总表已报送，排序已锁定。",
    ):
        return redirect(url_for("recommendations.ranking"))
    return _render_ranking(campaign, form, 422)


RANKING_ACTIONS = {
    "add": (lambda application: services.add_to_ranking(application, current_user), "已加入推荐名单。"),
    "up": (lambda application: services.move_in_ranking(application, current_user, -1), "已上移。"),
    "down": (lambda application: services.move_in_ranking(application, current_user, +1), "已下移。"),
    "remove": (lambda application: services.remove_from_ranking(application, current_user), "已移出推荐名单。"),
}


@bp.post("/ranking/<int:application_id>/<action>")
def change_ranking(application_id: int, action: str):
    """Add, move up or down, or remove a candidate; buttons that work without JavaScript."""
    change, message = RANKING_ACTIONS.get(action) or abort(404)
    application = get_addressed_application_or_404(application_id)
    if not ActionForm().validate():
        abort(400)
    apply_change(lambda: change(application), f"{application.display_name}：{message}")
    return redirect(url_for("recommendations.ranking"))


@bp.get("/ranking/summary.xlsx")
def export_summary():
    """附件2 推荐汇总表 as .xlsx: the ranked lists in the official layout."""
    campaign = current_campaign() or abort(404)
    recommendation = _own_recommendation(campaign)
    path = write_summary_sheet(current_user.organisation.name, summary_rows(recommendation, campaign), campaign)
    return send_workbook(path, f"推荐汇总表-{current_user.organisation.name}.xlsx")
