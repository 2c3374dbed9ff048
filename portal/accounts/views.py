"""Registration, login, logout and password change."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forms.accounts import ChangePasswordForm, LoginForm, RegistrationForm, SetPasswordForm
from portal.accounts import services, tokens
from portal.core.auth import role_home_endpoint
from portal.core.errors import RuleViolation
from portal.core.security import mark_login
from portal.core.transactions import refuse

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: ``next=https://evil.example`` must not redirect off the portal."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _start_session(user) -> None:
    session.clear()
    login_user(user)
    session.permanent = True
    mark_login()


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Enterprise self-registration."""
    form = RegistrationForm()
    if request.method == "POST":
        try:
            services.registration_attempt()
        except RuleViolation as error:
            flash(str(error), "danger")
            return render_template("accounts/register.html", form=form), 429
    if form.validate_on_submit():
        try:
            user = services.register_enterprise(
                form.name.data,
                form.uscc.data,
                form.contact_name.data,
                form.mobile.data,
                form.email.data,
                form.password.data,
            )
        except RuleViolation as error:
            refuse(error, form.uscc)
        else:
            _start_session(user)
            flash("注册成功，欢迎使用。请开始填写申报书。", "success")
            return redirect(url_for(role_home_endpoint(user)))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except RuleViolation as error:
            flash(str(error), "danger")  # the page answers 200: the failed attempt's audit entry is committed
        else:
            if user.two_factor_enabled:
                from portal.accounts.two_factor_views import start_second_step

                return start_second_step(user, request.args.get("next"))
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")) or url_for(role_home_endpoint(user)))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.end_session(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current.data, form.new.data)
        except RuleViolation as error:
            # A wrong current password is counted and audited like a failed login: the page answers 200
            # so that the attempt's audit entry is committed.
            if isinstance(error, services.CurrentPasswordWrong):
                form.current.errors.append(str(error))
                return render_template("accounts/password.html", form=form)
            refuse(error, form.current)
        else:
            _start_session(user)  # the old cookie is revoked; this one carries the new version
            flash("密码已修改。", "success")
            return redirect(url_for(role_home_endpoint(user)))
    return render_template("accounts/password.html", form=form), 422 if form.errors else 200


@bp.route("/set-password", methods=["GET", "POST"], defaults={"token": None})
@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str | None):
    """Set a password from a one-time invitation or reset link, then log in.

    Opening the link moves its token into the session and redirects to ``/account/set-password``: the
    token leaves the address bar, the history and every later request (and so their Referer and logs).
    """
    if token is not None and request.method == "GET":
        if tokens.valid_token(token) is None:
            return render_template("accounts/set_password.html", form=None), 404
        session["password_token"] = token
        return redirect(url_for("accounts.set_password"))
    token = token or session.get("password_token")
    if not token or tokens.valid_token(token) is None:
        return render_template("accounts/set_password.html", form=None), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = tokens.set_password_with_token(token, form.new.data)
        except RuleViolation as error:
            refuse(error, form.new)
        else:
            _start_session(user)  # also forgets the token
            flash("密码已设置，欢迎使用。", "success")
            return redirect(url_for(role_home_endpoint(user)))
    return render_template("accounts/set_password.html", form=form), 422 if form.errors else 200


@bp.post("/password-strength")
def password_strength():
    """The strength meter under new-password fields asks here as the user types (the same rules as on save)."""
    password = request.form.get("password", "")[:200]
    inputs = [request.form.get(name, "")[:200] for name in ("name", "uscc", "contact_name", "mobile", "email")]
    if current_user.is_authenticated:
        inputs += services.user_password_inputs(current_user)
    elif session.get("password_token"):
        row = tokens.valid_token(session["password_token"])
        if row is not None:
            inputs += services.user_password_inputs(row.user)
    score, problem = services.password_strength(password, inputs)
    return {"score": score, "ok": problem is None, "message": problem or "密码强度足够。"}
