"""Pages for squatted codes: the claim form (no login) and the admins' list and decision."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import case, select

from forms.accounts import CodeClaimForm
from forms.admin import ClaimDecisionForm
from portal.accounts import claims
from portal.accounts.models import Role
from portal.core.auth import require_role
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.transactions import refuse
from portal.files import UploadRejected

bp = Blueprint("code_claim", __name__, url_prefix="/account/claim")
admin_bp = Blueprint("claims_admin", __name__, url_prefix="/admin/claims")
admin_bp.before_request(require_role(Role.ADMIN))


@bp.route("", methods=["GET", "POST"])
def submit():
    """The real enterprise asks for its code, with its business licence."""
    form = CodeClaimForm()
    if form.validate_on_submit():
        if not form.licence.data or not form.licence.data.filename:
            form.licence.errors = [*form.licence.errors, "请上传营业执照。"]
        else:
            try:
                claims.submit_claim(form.data, form.licence.data)
            except (RuleViolation, UploadRejected) as error:
                refuse(error, form.licence if isinstance(error, UploadRejected) else form.uscc)
            else:
                flash("申请已提交。管理员核实营业执照后，将通过邮件告知结果。", "success")
                return redirect(url_for("main.index"))
    return render_template("accounts/claim.html", form=form), 422 if form.errors else 200


@admin_bp.get("")
def index():
    pending_first = case((claims.CodeClaim.status == "pending", 0), else_=1)
    rows = db.session.scalars(
        select(claims.CodeClaim).order_by(pending_first, claims.CodeClaim.id.desc()).limit(200)
    ).all()
    holders = {claim.id: claims.holder_of(claim.uscc) for claim in rows if claim.status == "pending"}
    return render_template("admin/claims.html", claims=rows, holders=holders, form=ClaimDecisionForm())


@admin_bp.get("/<int:claim_id>/licence")
def licence(claim_id: int):
    return claims.send_licence(db.session.get(claims.CodeClaim, claim_id) or abort(404))


@admin_bp.post("/<int:claim_id>")
def decide(claim_id: int):
    claim = db.session.get(claims.CodeClaim, claim_id) or abort(404)
    form = ClaimDecisionForm()
    if not form.validate():
        for errors in form.errors.values():
            flash(errors[0], "danger")
        return redirect(url_for("claims_admin.index"))
    try:
        if form.decision.data == "approve":
            claims.approve_claim(claim, form.reason.data, current_user)
        else:
            claims.reject_claim(claim, form.reason.data, current_user)
    except RuleViolation as error:
        refuse(error)
    else:
        flash(
            f"代码 {claim.uscc} 已交给{claim.enterprise_name}，设置密码的链接已发送至 {claim.email}。"
            if form.decision.data == "approve"
            else "已驳回，结果已通过邮件告知申请人。",
            "success",
        )
    return redirect(url_for("claims_admin.index"))
