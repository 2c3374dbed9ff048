"""A published unit's 定期复核 pages: update the self-check table and certificates, then submit; hand in
the rectification report when ordered to rectify; the unit's own history across rounds."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.applications import CertificationForm, typed_self_check
from forms.base import ActionForm
from forms.review import RectificationReportForm
from portal.accounts.models import Role
from portal.applications.models import Application
from portal.core.auth import require_role
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.core.transactions import refuse
from portal.rereview import services as rereview
from portal.rereview.history import unit_history
from portal.rereview.models import ReReview, ReReviewCertificate
from portal.selfcheck import grouped_items

bp = Blueprint("rereview_unit", __name__, url_prefix="/rereview")
bp.before_request(require_role(Role.ENTERPRISE))


def _own_open_review():
    return rereview.open_review_of(current_user.enterprise_id, utcnow()) or abort(404)


@bp.route("/", methods=["GET", "POST"])
def update():
    """The self-check grid (answers saved) and the certificates of the unit's open re-review; its
    rectification order and report when ordered to rectify."""
    review = _own_open_review()
    typed = {}
    if request.method == "POST":
        if not ActionForm().validate():
            abort(400)
        typed = typed_self_check(request.form)
        try:
            rereview.save_answers(review, current_user, typed)
        except RuleViolation as error:
            refuse(error)
            return _render(review, typed, status=422)
        flash("自我检查表已保存。", "success")
        return redirect(url_for("rereview_unit.update"))
    return _render(review, typed)


def _render(review, typed, status: int = 200, **forms):
    now = utcnow()
    return render_template(
        "rereview/unit.html",
        review=review,
        typed=typed,
        now=now,
        editable=review.why_not_update(now) is None,
        groups=grouped_items(),
        answers=review.answers_by_code(),
        action_form=ActionForm(),
        new_certificate=forms.get("certificate_form") or CertificationForm(),
        rectification_form=forms.get("rectification_form") or RectificationReportForm(),
    ), status


@bp.post("/certificates")
def add_certificate():
    review = _own_open_review()
    form = CertificationForm()
    if not form.validate():
        return _render(review, {}, 422, certificate_form=form)
    rereview.add_certificate(review, current_user, form.row_values(), form.certificate.data, form.audit_report.data)
    flash("证书已添加。", "success")
    return redirect(url_for("rereview_unit.update") + "#certificates")


@bp.post("/certificates/<int:certification_id>/delete")
def delete_certificate(certification_id: int):
    review = _own_open_review()
    certificate = db.session.get(ReReviewCertificate, certification_id)
    if certificate is None or certificate.re_review_id != review.id or not ActionForm().validate():
        abort(404)
    rereview.remove_certificate(review, current_user, certificate)
    flash("证书已删除。", "success")
    return redirect(url_for("rereview_unit.update") + "#certificates")


@bp.post("/submit")
def submit():
    review = _own_open_review()
    if not ActionForm().validate():
        abort(400)
    rereview.submit(review, current_user)
    flash("复核材料已提交，请等待主管部门审核。", "success")
    return redirect(url_for("rereview_unit.update"))


@bp.post("/rectification")
def report_rectification():
    """The rectification report and evidence, before the deadline."""
    review = _own_open_review()
    form = RectificationReportForm()
    if not form.validate():
        return _render(review, {}, 422, rectification_form=form)
    try:
        rereview.report_rectification(review, current_user, form.note.data or "", form.report.data, form.evidence.data)
    except RuleViolation as error:
        refuse(error)
        return _render(review, {}, 422, rectification_form=form)
    flash("整改报告已提交，请等待主管部门作出复核结论。", "success")
    return redirect(url_for("rereview_unit.update") + "#rectification")


@bp.get("/history")
def history():
    """The unit's own re-reviews across rounds."""
    applications = db.session.scalars(
        select(Application)
        .where(
            Application.enterprise_id == current_user.enterprise_id, Application.id.in_(select(ReReview.application_id))
        )
        .order_by(Application.id)
    )
    units = [(application, unit_history(application)) for application in applications]
    return render_template("rereview/history.html", units=units, now=utcnow(), reviewer=False)
