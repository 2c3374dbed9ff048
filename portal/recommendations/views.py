"""The recommender's pages: the inbox and the review of one application."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.base import ActionForm
from forms.filters import InboxFilterForm
from forms.recommendations import ReorderForm, ReturnForm, SubmissionForm
from portal.accounts.models import Role
from portal.applications.access import can_view_application
from portal.applications.history import changes_since_last_version, versions_of
from portal.applications.models import Application
from portal.applications.services import lock_application
from portal.campaigns.models import Scale, current_campaign
from portal.core.arguments import bounded_int
from portal.core.auth import require_role
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.pagination import requested_page
from portal.core.timeutil import local_today, utcnow
from portal.core.transactions import refuse
from portal.exports.application_list import write_application_list
from portal.exports.recommendation_sheet import summary_rows, write_summary_sheet
from portal.exports.spreadsheets import send_workbook
from portal.recommendations import services
from portal.recommendations.inbox import inbox_filter, inbox_page, ranking_pool
from portal.recommendations.models import Recommendation, why_list_full, why_not_accept, why_not_return
from portal.selfcheck import grouped_items

bp = Blueprint("recommendations", __name__, url_prefix="/recommender")
bp.before_request(require_role(Role.RECOMMENDER))


def get_addressed_application_or_404(application_id: int) -> Application:
    """An application submitted to the current user's organisation; 404 for anything else."""
    application = db.session.get(Application, application_id)
    if application is None or not can_view_application(current_user, application):
        abort(404)
    return application


@bp.get("/")
def inbox():
    """The applications addressed to this recommender in the current campaign."""
    return render_template("recommendations/inbox.html", **_inbox_content())


def _inbox_content() -> dict:
    campaign = current_campaign()
    if campaign is None:
        return dict(campaign=None, rows=[], total=0)
    filter_form = InboxFilterForm()
    filters = filter_form.filters()
    page = inbox_page(current_user.organisation_id, campaign.id, filters, requested_page(), local_today())
    return dict(
        campaign=campaign, page=page, rows=page.rows, total=page.total, filters=filters, filter_form=filter_form
    )


@bp.get("/applications.xlsx")
def export_applications():
    """The inbox, as filtered, with key fields and self-check answers."""
    campaign = current_campaign() or abort(404)
    filters = InboxFilterForm().filters()
    path = write_application_list(inbox_filter(current_user.organisation_id, campaign.id, filters))
    return send_workbook(
        path, f"申报书列表-{current_user.organisation.name}.xlsx", f"applications-{current_user.organisation_id}.xlsx"
    )


@bp.get("/applications/<int:application_id>")
def review(application_id: int):
    """The whole application, read-only, with its files and the accept / return actions."""
    application = get_addressed_application_or_404(application_id)
    return _render_review(application, ReturnForm())


def _render_review(application: Application, return_form: ReturnForm, status: int = 200):
    recommendation = services.find_recommendation(application.campaign, current_user.organisation_id)
    now = utcnow()
    return_refusal = why_not_return(application, recommendation, now)
    versions = versions_of(application)
    shown = request.args.get("version", len(versions), type=bounded_int)
    compared = [version for version in versions if version.number <= shown]
    return render_template(
        "recommendations/review.html",
        application=application,
        return_form=return_form,
        action_form=ActionForm(),
        can_accept=why_not_accept(application, recommendation, now) is None,
        can_return=return_refusal is None,
        why_not_return=return_refusal,
        groups=grouped_items(),
        answers=application.answers_by_code(),
        today=local_today(),
        versions=versions,
        compared=compared[-2:],
        changes=changes_since_last_version(compared),
    ), status


@bp.post("/applications/<int:application_id>/accept")
def accept(application_id: int):
    application = get_addressed_application_or_404(application_id)
    if not ActionForm().validate():
        abort(400)
    services.accept_application(lock_application(application.id), current_user)
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
        refuse(error)
        return _render_review(application, form, 422)
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
    pool = ranking_pool(current_user.organisation_id, campaign.id, ranked_ids, local_today())
    lists = [(scale, recommendation.ranked(scale) if recommendation else [], campaign.quota(scale)) for scale in Scale]
    is_open = (
        recommendation.is_open(campaign, utcnow()) if recommendation else campaign.accepts_recommendations(utcnow())
    )
    return render_template(
        "recommendations/ranking.html",
        campaign=campaign,
        recommendation=recommendation,
        is_open=is_open,
        lists=lists,
        why_full={scale: why_list_full(campaign, scale, len(entries)) for scale, entries, _quota in lists},
        pool=pool,
        focus=request.args.get("focus", ""),
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
    services.reorder_ranking(current_user, campaign, Scale(form.scale.data), form.application_ids())
    flash("排序已保存。", "success")
    scale = form.scale.data
    return redirect(url_for("recommendations.ranking", focus=f"list-{scale}", _anchor=f"list-{scale}"))


@bp.post("/ranking/submit")
def submit():
    """Submit the ranked 推荐汇总表 with the 报送信息 and the sealed scan."""
    campaign = current_campaign() or abort(404)
    form = SubmissionForm()
    if not form.validate():
        return _render_ranking(campaign, form, 422)
    try:
        services.submit_recommendation(campaign, current_user, form.details(), form.sealed_scan.data)
    except RuleViolation as error:
        refuse(error)
        return _render_ranking(campaign, form, 422)
    flash("推荐汇总表已报送，排序已锁定。", "success")
    return redirect(url_for("recommendations.ranking"))


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
    change(application)
    flash(f"{application.display_name}：{message}", "success")
    return redirect(_after_change(application, action))


def _after_change(application: Application, action: str) -> str:
    """Back to the moved (or added) row, whose button takes the focus again; after a removal, to its list.

    The fragment names the focused element itself: Chromium clears the focus when the fragment's
    target cannot take it, so ``#entry-<id>`` would undo the autofocus.
    """
    if action == "remove":
        return url_for(
            "recommendations.ranking",
            focus=f"list-{application.scale.value}",
            _anchor=f"list-{application.scale.value}",
        )
    return url_for("recommendations.ranking", focus=f"{action}-{application.id}", _anchor="moved")


@bp.get("/ranking/summary.xlsx")
def export_summary():
    """附件2 推荐汇总表 as .xlsx: the ranked lists in the official layout."""
    campaign = current_campaign() or abort(404)
    recommendation = _own_recommendation(campaign)
    path = write_summary_sheet(current_user.organisation.name, summary_rows(recommendation, campaign), campaign)
    return send_workbook(
        path, f"推荐汇总表-{current_user.organisation.name}.xlsx", f"summary-{current_user.organisation_id}.xlsx"
    )
