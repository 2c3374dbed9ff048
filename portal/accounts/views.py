"""Registration, login, logout and password change."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forms.accounts import ChangePasswordForm, LoginForm, RegistrationForm, SetPasswordForm
from portal.accounts import services, tokens
from portal.core.auth import role_home_endpoint
from portal.core.errors import RuleViolation
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


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Enterprise self-registration."""
    form = RegistrationForm()
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
            refuse(error, form.current)
        else:
            _start_session(user)  # the old cookie is revoked; this one carries the new version
            flash("密码已修改。", "success")
            return redirect(url_for(role_home_endpoint(user)))
    return render_template("accounts/password.html", form=form), 422 if form.errors else 200


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Set a password from a one-time invitation or reset link, then log in."""
    if tokens.valid_token(token) is None:
        return render_template("accounts/set_password.html", form=None), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = tokens.set_password_with_token(token, form.new.data)
        except RuleViolation as error:
            refuse(error, form.new)
        else:
            _start_session(user)
            flash("密码已设置，欢迎使用。", "success")
            return redirect(url_for(role_home_endpoint(user)))
    return render_template("accounts/set_password.html", form=form), 422 if form.errors else 200
