"""The enterprise's application pages, and file downloads for everyone allowed to see a file."""

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import case, or_, select

from forms.applications import (
    AttachmentForm,
    BasicInfoForm,
    CertificationForm,
    MetrologyForm,
    NarrativeForm,
    PledgeForm,
    RecommenderChoiceForm,
    SectionForm,
    checked_evidence,
    typed_self_check,
)
from forms.base import ActionForm
from portal.accounts.models import RECOMMENDER_KINDS, Organisation, OrganisationKind, Role
from portal.applications import services
from portal.applications.completeness import SECTION_TITLES, SECTIONS, draft_problems, missing_fields, section_states
from portal.applications.models import Application, ApplicationStatus, Attachment, AttachmentKind, Certification
from portal.campaigns.models import current_campaign, current_campaign_id
from portal.core.auth import require_role
from portal.core.errors import RuleViolation, StaleEdit
from portal.core.extensions import db
from portal.core.transactions import refuse
from portal.files import StoredFile, can_download, send_stored_file
from portal.recommendations.models import Recommendation
from portal.reference import REGIONS
from portal.selfcheck import grouped_items

bp = Blueprint("applications", __name__, url_prefix="/application")
bp.before_request(require_role(Role.ENTERPRISE))

files_bp = Blueprint("files", __name__, url_prefix="/files")

FIELD_SECTIONS = {
    "basic": BasicInfoForm,
    "metrology": MetrologyForm,
    "narrative": NarrativeForm,
    "pledge": PledgeForm,
}


def section_url(key: str, field: str | None = None) -> str:
    """The page of a section, scrolled to ``field`` when given."""
    endpoint = "applications.edit_section" if key in FIELD_SECTIONS else f"applications.{key}"
    url = url_for(endpoint, key=key) if key in FIELD_SECTIONS else url_for(endpoint)
    return f"{url}#{field}" if field else url


@bp.app_context_processor
def _section_helpers():
    return {"section_url": section_url, "SECTIONS": SECTIONS}


def _own_application() -> Application | None:
    return services.find_application(current_user.enterprise_id, current_campaign_id())


def _require_application() -> Application:
    application = _own_application()
    if application is None:
        flash("请先开始填写申报书。", "warning")
        abort(redirect(url_for("applications.overview")))
    return application


def _section_content(application: Application, key: str, **context) -> dict:
    return dict(
        application=application,
        section_key=key,
        section_title=SECTION_TITLES[key],
        states=section_states(application),
        **context,
    )


def _render_section(template: str, application: Application, key: str, status: int = 200, **context):
    return render_template(template, **_section_content(application, key, **context)), status


def _loaded_section(form_class, key: str) -> dict:
    application = _require_application()
    form = form_class(obj=application)
    form.version.data = application.version
    return _section_content(application, key, form=form)


@bp.get("/")
def overview():
    """The application's sections with their completeness, status, and the submit button."""
    campaign = current_campaign()
    application = _own_application()
    return render_template(
        "applications/overview.html",
        campaign=campaign,
        application=application,
        states=section_states(application),
        missing=[],
    )


@bp.post("/start")
def start():
    campaign = current_campaign() or abort(404)
    if not ActionForm().validate():
        abort(400)
    services.start_application(current_user, campaign)
    return redirect(url_for("applications.edit_section", key="basic"))


def _next_section(key: str) -> str:
    keys = [section.key for section in SECTIONS]
    index = keys.index(key)
    return section_url(keys[index + 1]) if index + 1 < len(keys) else url_for("applications.overview")


@bp.route("/section/<key>", methods=["GET", "POST"])
def edit_section(key: str):
    """A section made of plain fields. A draft saves what is valid and keeps every typed value."""
    form_class = FIELD_SECTIONS.get(key) or abort(404)
    if request.method == "GET":
        return render_template("applications/section.html", **_loaded_section(form_class, key))
    application = _require_application()

    form = form_class()
    valid = form.validate()
    values = {name: value for name, value in form.field_values().items() if not form[name].errors}
    try:
        services.save_fields(application, current_user, values, _version(form))
    except StaleEdit as error:
        refuse(error)
        # The next save from this form is meant to overwrite: it carries the version now stored.
        form.version.data = application.version
        conflicts = stored_and_typed(application, form)
        return _render_section("applications/section.html", application, key, 409, form=form, conflicts=conflicts)
    except RuleViolation as error:
        refuse(error)
        return _render_section("applications/section.html", application, key, status=422, form=form)
    form.version.data = application.version
    if not valid:
        flash("已保存其余内容；标红的字段格式有误，尚未保存，请修改后再保存。", "warning")
        return _render_section("applications/section.html", application, key, form=form)
    problems = draft_problems(application, key)
    if problems:
        still = "；".join(problem.message for problem in problems)
        flash(f"“{SECTION_TITLES[key]}”已保存为草稿。提交前还需修改：{still}", "warning")
    else:
        flash(f"“{SECTION_TITLES[key]}”已保存。", "success")
    if "save_next" in request.form:
        return redirect(_next_section(key))
    return redirect(section_url(key))


def stored_and_typed(application: Application, form) -> list[tuple[str, str, str]]:
    """The fields whose stored value differs from what this form sent: ``(label, stored, typed)``."""
    differences = []
    for name, typed in form.field_values().items():
        stored = getattr(application, name)
        if _shown(stored) != _shown(typed):
            differences.append(
                (
                    form[name].label.text,
                    _shown(stored),
                    _shown(form[name].raw_data[0] if form[name].raw_data else typed),
                )
            )
    return differences


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else ""
    return str(value).strip()


def _version(form) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


@bp.route("/selfcheck", methods=["GET", "POST"])
def selfcheck():
    """三、自我检查表: 33 items, each √ / × / — with a remark and an optional evidence file."""
    application = _require_application()
    form = SectionForm()
    typed = {}
    file_errors: dict[str, str] = {}
    if request.method == "POST" and form.validate():
        typed = typed_self_check(request.form)
        evidence, file_errors = checked_evidence(request.files)
        try:
            services.save_self_check(application, current_user, typed, evidence, _version(form))
        except RuleViolation as error:
            refuse(error)
        else:
            if not file_errors:
                flash("自我检查表已保存。", "success")
                return redirect(
                    _next_section("selfcheck") if "save_next" in request.form else url_for("applications.selfcheck")
                )
            flash("答案已保存；部分证明文件未通过检查，请重新选择。", "warning")
    elif request.method == "POST":
        abort(400)
    form.version.data = application.version
    return _render_section(
        "applications/selfcheck.html",
        application,
        "selfcheck",
        form=form,
        groups=grouped_items(),
        answers=application.answers_by_code(),
        typed=typed,
        file_errors=file_errors,
    )


@bp.route("/certifications", methods=["GET", "POST"])
def certifications():
    """认证与认可: the rows so far, and a form to add one with its certificate scan."""
    application = _require_application()
    form = CertificationForm()
    if form.validate_on_submit():
        services.add_certification(
            application, current_user, form.row_values(), form.certificate.data, form.audit_report.data
        )
        flash("证书已添加。", "success")
        return redirect(url_for("applications.certifications"))
    return _render_section(
        "applications/certifications.html",
        application,
        "certifications",
        status=422 if form.errors else 200,
        form=form,
        delete_form=ActionForm(),
    )


@bp.post("/certifications/<int:certification_id>/delete")
def delete_certification(certification_id: int):
    application = _require_application()
    certification = db.session.get(Certification, certification_id)
    if certification is None or certification.application_id != application.id or not ActionForm().validate():
        abort(404)
    services.remove_certification(application, current_user, certification)
    flash("证书已删除。", "success")
    return redirect(url_for("applications.certifications"))


@bp.route("/attachments", methods=["GET", "POST"])
def attachments():
    """附件: 营业执照 and other supporting files."""
    application = _require_application()
    form = AttachmentForm()
    if form.validate_on_submit():
        description = (form.description.data or "").strip() or None
        services.add_attachment(application, current_user, AttachmentKind(form.kind.data), form.file.data, description)
        flash("附件已上传。", "success")
        return redirect(url_for("applications.attachments"))
    return _render_section(
        "applications/attachments.html",
        application,
        "attachments",
        status=422 if form.errors else 200,
        form=form,
        delete_form=ActionForm(),
    )


@bp.post("/attachments/<int:attachment_id>/delete")
def delete_attachment(attachment_id: int):
    application = _require_application()
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id or not ActionForm().validate():
        abort(404)
    services.remove_attachment(application, current_user, attachment)
    flash("附件已删除。", "success")
    return redirect(url_for("applications.attachments"))


def _recommender_query(args):
    query = (
        select(Organisation)
        .where(Organisation.kind.in_(RECOMMENDER_KINDS))
        # 省级 first, then 计划单列市, then the national associations, as in RECOMMENDER_KINDS.
        .order_by(case({kind: i for i, kind in enumerate(RECOMMENDER_KINDS)}, value=Organisation.kind), Organisation.id)
    )
    if args.get("q"):
        query = query.where(
            or_(Organisation.name.contains(args["q"].strip()), Organisation.region.contains(args["q"].strip()))
        )
    if args.get("kind") in {kind.value for kind in RECOMMENDER_KINDS}:
        query = query.where(Organisation.kind == OrganisationKind(args["kind"]))
    if args.get("region"):
        query = query.where(Organisation.region == args["region"])
    return query


def _recommender_filters(application: Application, args) -> dict:
    """The picker's filters: as asked, or at first the enterprise's own province (``region=`` shows all)."""
    filters = {key: args.get(key, "") for key in ("q", "kind", "region")}
    if "region" not in args and application.province in REGIONS:
        filters["region"] = application.province
    return filters


@bp.route("/recommender", methods=["GET", "POST"])
def recommender():
    """推荐单位: choose exactly one, searchable by name, type and region."""
    application = _require_application()
    filters = _recommender_filters(application, request.args)
    recommenders = db.session.scalars(_recommender_query(filters)).all()
    form = RecommenderChoiceForm()
    form.recommender_id.choices = [(org.id, org.name) for org in recommenders]
    if form.validate_on_submit():
        chosen = db.session.get(Organisation, form.recommender_id.data)
        if chosen is None:
            form.recommender_id.errors = ["请选择一个推荐单位。"]
        else:
            services.choose_recommender(application, current_user, chosen)
            flash(f"已选择推荐单位：{chosen.name}。", "success")
            return redirect(
                _next_section("recommender") if "save_next" in request.form else url_for("applications.recommender")
            )
    return _render_section(
        "applications/recommender.html",
        application,
        "recommender",
        status=422 if form.errors else 200,
        form=form,
        recommenders=recommenders,
        kinds=RECOMMENDER_KINDS,
        regions=["全国"] + REGIONS,
        args=filters,
        own_province=application.province if application.province in REGIONS else None,
        submitted_lists=_submitted_list_recommenders(application.campaign_id),
    )


def _submitted_list_recommenders(campaign_id: int) -> set[int]:
    """Recommenders whose list of this campaign is submitted: they can take no new candidate."""
    return set(
        db.session.scalars(
            select(Recommendation.recommender_id).where(
                Recommendation.campaign_id == campaign_id, Recommendation.submitted_at.is_not(None)
            )
        )
    )


@bp.post("/submit")
def submit():
    """Submit after full validation; on refusal, list every problem with a link to it."""
    application = _require_application()
    if not ActionForm().validate():
        abort(400)
    try:
        services.submit_application(application, current_user)
    except services.IncompleteApplication as error:
        refuse(error)
        return render_template(
            "applications/overview.html",
            campaign=application.campaign,
            application=application,
            states=section_states(application),
            missing=error.missing,
        ), 422
    flash(f"申报书已提交至{application.recommender.name}。", "success")
    return redirect(url_for("applications.status"))


@bp.post("/withdraw")
def withdraw():
    application = _require_application()
    if not ActionForm().validate():
        abort(400)
    services.withdraw_application(application, current_user)
    flash("申报书已撤回，可继续修改后重新提交。", "success")
    return redirect(url_for("applications.overview"))


@bp.get("/status")
def status():
    """The timeline: each step with its date and, where given, the reason."""
    application = _require_application()
    return render_template("applications/status.html", application=application, steps=_timeline(application))


TIMELINE = [
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.RECOMMENDED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.SELECTED,
]


def _timeline(application: Application) -> list[dict]:
    """The expected path, marking each step reached, current, or still ahead."""
    reached = {event.status for event in application.events}
    order = [status.value for status in ApplicationStatus]
    current = order.index(application.status.value)
    steps = []
    for step in TIMELINE:
        if step == ApplicationStatus.RECOMMENDED and application.status == ApplicationStatus.NOT_RECOMMENDED:
            step = ApplicationStatus.NOT_RECOMMENDED
        if step == ApplicationStatus.SELECTED and application.status == ApplicationStatus.NOT_SELECTED:
            step = ApplicationStatus.NOT_SELECTED
        done = step in reached and order.index(step.value) <= current
        steps.append(
            {
                "label": step.label,
                "done": done or order.index(step.value) < current,
                "current": step == application.status,
            }
        )
    return steps


@bp.get("/print")
def print_view():
    """The application laid out as the official 申报书 on A4, to print, sign and seal."""
    application = _require_application()
    return render_template(
        "applications/print.html",
        application=application,
        groups=grouped_items(),
        answers=application.answers_by_code(),
        missing=missing_fields(application),
    )


@files_bp.get("/<int:file_id>")
@login_required
def download(file_id: int):
    """A stored file, for whoever may download it (:func:`portal.files.can_download`); 404 for anyone else."""
    stored = db.session.get(StoredFile, file_id)
    if stored is None or not can_download(current_user, stored):
        abort(404)
    return send_stored_file(stored, inline=request.args.get("inline") == "1")
