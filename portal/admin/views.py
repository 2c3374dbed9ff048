"""The administrators' pages: campaigns, organisations, staff accounts, the audit log, the outbox."""

from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, func, select

from forms.admin import CampaignForm, InviteForm, OrganisationForm, RoleForm
from forms.base import ActionForm
from forms.filters import AuditFilterForm
from portal.accounts.models import Organisation, OrganisationKind, Role, User
from portal.accounts.tokens import issue_password_link, lifetime_hours
from portal.accounts.two_factor import reset_two_factor
from portal.admin import services
from portal.audit import AuditEntry
from portal.audit_text import action_label, describe_detail, object_label
from portal.campaigns import services as campaign_services
from portal.campaigns.models import Campaign
from portal.core.auth import require_role
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.pagination import paginate, requested_page
from portal.core.timeutil import from_local, to_local
from portal.core.transactions import refuse
from portal.exports.audit_log import write_audit_log
from portal.exports.spreadsheets import send_workbook
from portal.notifications.models import OutboxMessage

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_role(Role.ADMIN))

PAGE_SIZE = 100


@bp.get("/")
def index():
    return redirect(url_for("admin.campaigns"))


# --- campaigns ----------------------------------------------------------------------------------


def _campaign_values(form: CampaignForm) -> dict:
    values = {name: form[name].data for name in campaign_services.CAMPAIGN_FIELDS}
    for name in ("opens_at", "closes_at", "recommend_deadline", "scoring_deadline"):
        values[name] = from_local(values[name]) if values[name] else None
    return values


@bp.route("/campaigns", methods=["GET", "POST"])
def campaigns():
    form = CampaignForm()
    if form.validate_on_submit():
        try:
            campaign_services.create_campaign(_campaign_values(form), current_user)
        except RuleViolation as error:
            refuse(error)
        else:
            flash(f"已创建批次：{form.name.data}。", "success")
            return redirect(url_for("admin.campaigns"))
    rows = db.session.scalars(select(Campaign).order_by(Campaign.opens_at.desc())).all()
    return render_template(
        "admin/campaigns.html", campaigns=rows, form=form, action_form=ActionForm()
    ), 422 if request.method == "POST" else 200


@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
def campaign(campaign_id: int):
    record = db.session.get(Campaign, campaign_id) or abort(404)
    current = {name: getattr(record, name) for name in campaign_services.CAMPAIGN_FIELDS}
    for name in ("opens_at", "closes_at", "recommend_deadline", "scoring_deadline"):
        if current[name] is not None:
            current[name] = to_local(current[name]).replace(tzinfo=None)  # edited in Beijing time
    form = CampaignForm(data=current) if request.method == "GET" else CampaignForm()
    if form.validate_on_submit():
        try:
            campaign_services.update_campaign(record, _campaign_values(form), current_user)
        except RuleViolation as error:
            refuse(error)
        else:
            flash("批次已保存。", "success")
            return redirect(url_for("admin.campaigns"))
    return render_template("admin/campaign.html", campaign=record, form=form), 422 if request.method == "POST" else 200


@bp.post("/campaigns/<int:campaign_id>/<action>")
def campaign_action(campaign_id: int, action: str):
    record = db.session.get(Campaign, campaign_id) or abort(404)
    if not ActionForm().validate() or action not in ("copy", "archive"):
        abort(400 if action in ("copy", "archive") else 404)
    if action == "copy":
        campaign_services.copy_campaign(record, current_user)
        flash("已复制为下一年度的批次，请核对时间后保存。", "success")
    else:
        campaign_services.archive_campaign(record, current_user)
        flash(f"批次“{record.name}”已归档。", "success")
    return redirect(url_for("admin.campaigns"))


# --- organisations ------------------------------------------------------------------------------


def _organisation_values(form: OrganisationForm) -> dict:
    return {
        "name": form.name.data,
        "kind": OrganisationKind(form.kind.data),
        "region": form.region.data,
        "lead_department": form.lead_department.data,
    }


@bp.route("/organisations", methods=["GET", "POST"])
def organisations():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            services.save_organisation(None, _organisation_values(form), current_user)
        except RuleViolation as error:
            refuse(error)
        else:
            flash(f"已添加：{form.name.data}。", "success")
            return redirect(url_for("admin.organisations"))
    staff = dict(
        db.session.execute(
            select(User.organisation_id, func.count())
            .where(User.organisation_id.is_not(None))
            .group_by(User.organisation_id)
        ).all()
    )
    rows = db.session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.id)).all()
    return render_template(
        "admin/organisations.html", organisations=rows, staff=staff, form=form
    ), 422 if request.method == "POST" else 200


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def organisation(organisation_id: int):
    record = db.session.get(Organisation, organisation_id) or abort(404)
    current = {
        "name": record.name,
        "kind": record.kind.value,
        "region": record.region,
        "lead_department": record.lead_department,
    }
    form = OrganisationForm(data=current) if request.method == "GET" else OrganisationForm()
    if form.validate_on_submit():
        try:
            services.save_organisation(record, _organisation_values(form), current_user)
        except RuleViolation as error:
            refuse(error)
        else:
            flash("单位已保存。", "success")
            return redirect(url_for("admin.organisations"))
    return render_template(
        "admin/organisation.html", organisation=record, form=form
    ), 422 if request.method == "POST" else 200


# --- users --------------------------------------------------------------------------------------


def _organisation_choices():
    return [(0, "（无）")] + [
        (o.id, o.name) for o in db.session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.id))
    ]


def _organisation(organisation_id: int | None) -> Organisation | None:
    return db.session.get(Organisation, organisation_id) if organisation_id else None


@bp.route("/users", methods=["GET", "POST"])
def users():
    """Staff accounts (and enterprises, by search); invite a new staff member with a one-time link."""
    form = InviteForm()
    form.organisation_id.choices = _organisation_choices()
    link = None
    if form.validate_on_submit():
        try:
            staff, link = services.invite_staff(
                form.username.data,
                form.display_name.data,
                form.email.data or None,
                Role(form.role.data),
                _organisation(form.organisation_id.data),
                current_user,
            )
        except RuleViolation as error:
            refuse(error, form.username)
        else:
            flash(
                f"已开通 {staff.username}。请将下方链接交给本人设置密码（{lifetime_hours('invite')} 小时内有效，仅可使用一次）。",
                "success",
            )
            form = InviteForm(formdata=None)
            form.organisation_id.choices = _organisation_choices()
    return _render_users(form, link, 422 if form.errors else 200)


def _render_users(form: InviteForm, link: str | None, status: int = 200):
    role, search = request.args.get("role", ""), request.args.get("q", "").strip()
    query = select(User).order_by(User.role, User.id)
    query = (
        query.where(User.role == role) if role in {r.value for r in Role} else query.where(User.role != Role.ENTERPRISE)
    )
    if search:
        query = query.where(User.username.contains(search) | User.display_name.contains(search))
    rows = db.session.scalars(query.limit(PAGE_SIZE)).all()
    role_form = RoleForm()
    role_form.organisation_id.choices = _organisation_choices()
    return render_template(
        "admin/users.html",
        users=rows,
        form=form,
        link=link,
        roles=list(Role),
        role=role,
        q=search,
        action_form=ActionForm(),
        role_form=role_form,
    ), status


@bp.post("/users/<int:user_id>/<action>")
def user_action(user_id: int, action: str):
    """Deactivate, activate, send a password reset link, or change the role of an account."""
    target = db.session.get(User, user_id) or abort(404)
    if action == "role":
        form = RoleForm()
        form.organisation_id.choices = _organisation_choices()
        if not form.validate():
            abort(400)
        services.change_role(target, Role(form.role.data), _organisation(form.organisation_id.data), current_user)
        flash(f"{target.username} 的角色已改为{Role(form.role.data).label}。", "success")
        return redirect(url_for("admin.users"))
    if not ActionForm().validate():
        abort(400)
    if action in ("deactivate", "activate"):
        services.set_active(target, action == "activate", current_user)
        flash(f"{target.username} 已{'启用' if action == 'activate' else '停用'}。", "success")
        return redirect(url_for("admin.users"))
    if action == "reset-2fa":
        reset_two_factor(target, current_user)
        flash(f"已重置 {target.username} 的两步验证：该账号已退出，下次登录时重新设置验证器。", "success")
        return redirect(url_for("admin.users"))
    if action != "reset":
        abort(404)
    link = issue_password_link(target, "reset", current_user)
    flash(
        f"已为 {target.username} 生成重设密码链接（{lifetime_hours('reset')} 小时内有效，仅可使用一次），并写入发件箱。",
        "success",
    )
    form = InviteForm(formdata=None)
    form.organisation_id.choices = _organisation_choices()
    return _render_users(form, link)


# --- audit log and outbox -----------------------------------------------------------------------


def _audit_query(filters: dict):
    conditions = []
    if filters.get("user"):
        conditions.append(User.username.contains(filters["user"]))
    if filters.get("action"):
        conditions.append(AuditEntry.action.startswith(filters["action"]))
    if filters.get("object_type"):
        conditions.append(AuditEntry.object_type == filters["object_type"])
    if (filters.get("object_id") or "").isdigit():
        conditions.append(AuditEntry.object_id == int(filters["object_id"]))
    for name, compare in (("date_from", lambda at: AuditEntry.at >= at), ("date_to", lambda at: AuditEntry.at < at)):
        try:
            day = datetime.strptime(filters.get(name) or "", "%Y-%m-%d")
        except ValueError:
            continue
        conditions.append(compare(from_local(datetime.combine(day, time()) + timedelta(days=name == "date_to"))))
    return (
        select(AuditEntry, User.username)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(and_(True, *conditions))
        .order_by(AuditEntry.id.desc())
    )


def _audit_filter_form() -> AuditFilterForm:
    object_types = db.session.scalars(
        select(AuditEntry.object_type)
        .distinct()
        .where(AuditEntry.object_type.is_not(None))
        .order_by(AuditEntry.object_type)
    ).all()
    return AuditFilterForm(object_types)


@bp.get("/audit")
def audit():
    filter_form = _audit_filter_form()
    filters = filter_form.filters()
    query = _audit_query(filters)
    count = select(func.count()).select_from(query.order_by(None).subquery())
    page = paginate(query, count, requested_page(), PAGE_SIZE)
    return render_template(
        "admin/audit.html",
        page=page,
        filters=filters,
        filter_form=filter_form,
        action_label=action_label,
        object_label=object_label,
        describe_detail=describe_detail,
    )


@bp.get("/audit.xlsx")
def audit_export():
    """The audit log as filtered, streamed."""
    filters = _audit_filter_form().filters()
    return send_workbook(write_audit_log(_audit_query(filters)), "操作日志.xlsx", "audit-log.xlsx")


@bp.get("/outbox")
def outbox():
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)).all()
    waiting = db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_(None)))
    return render_template("admin/outbox.html", messages=messages, waiting=waiting)
