"""Two-factor pages: enrolment with a QR code, the code after the password at login, and the guard that
sends reviewers and admins without an authenticator to enrol first."""

import time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from forms.accounts import TwoFactorCodeForm
from portal.accounts import two_factor
from portal.accounts.models import User
from portal.core.auth import role_home_endpoint
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.transactions import refuse

bp = Blueprint("two_factor", __name__, url_prefix="/account/2fa")

PENDING = "2fa_pending"  # who has given the right password and must now give the code
PENDING_SECONDS = 300
SECRET = "2fa_secret"  # the secret shown while enrolling, until a code confirms it
EXEMPT = {"two_factor.setup", "two_factor.verify", "accounts.logout", "static"}


def start_second_step(user: User, next_url: str | None):
    """After the right password of a user with two factors: not logged in yet, the code page next."""
    session.clear()
    session[PENDING] = {"user": user.id, "version": user.session_version, "at": int(time.time()), "next": next_url}
    return redirect(url_for("two_factor.verify"))


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or user.session_version != pending.get("version"):
        return None
    return user if user.two_factor_enabled else None


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    """The second step of a login."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash("请先输入账号和密码登录（验证码须在 5 分钟内输入）。", "info")
        return redirect(url_for("accounts.login"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            how = two_factor.verify_login_code(user, form.code.data)
        except RuleViolation as error:
            # Answered 200, like a failed login, so that the counted attempt's audit entry is committed.
            form.code.errors = [*form.code.errors, str(error)]
            return render_template("accounts/two_factor_verify.html", form=form)
        else:
            from portal.accounts.views import _safe_next, _start_session

            next_url = session[PENDING].get("next")
            _start_session(user)
            if how == "recovery_code":
                left = two_factor.recovery_codes_left(user)
                flash(f"已使用一个恢复码，还剩 {left} 个。如验证器已丢失，请联系管理员重置两步验证。", "warning")
            return redirect(_safe_next(next_url) or url_for(role_home_endpoint(user)))
    return render_template("accounts/two_factor_verify.html", form=form), 422 if form.errors else 200


@bp.route("/", methods=["GET", "POST"])
@login_required
def setup():
    """Enrol an authenticator (scan the QR code, type a code), or see that two factors are on."""
    user = current_user._get_current_object()
    if not two_factor.may_enrol(user):
        abort(403)
    required = two_factor.required_for(user)
    if user.two_factor_enabled:
        return render_template(
            "accounts/two_factor_setup.html", enabled=True, left=two_factor.recovery_codes_left(user), required=required
        )
    secret = session.get(SECRET) or two_factor.new_secret()
    session[SECRET] = secret
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enrol(user, secret, form.code.data)
        except RuleViolation as error:
            refuse(error, form.code)
        else:
            session.pop(SECRET, None)
            return render_template("accounts/two_factor_codes.html", codes=codes)
    qr = Markup(two_factor.qr_code_svg(two_factor.provisioning_uri(user, secret)))  # drawn here, no user text in it
    return render_template(
        "accounts/two_factor_setup.html", enabled=False, form=form, secret=secret, qr=qr, required=required
    ), 422 if form.errors else 200


@bp.before_app_request
def require_enrolment():
    """Reviewers and admins (``TOTP_REQUIRED_ROLES``) use nothing else until they have enrolled."""
    if request.endpoint in EXEMPT or request.endpoint is None or not current_user.is_authenticated:
        return None
    if current_user.two_factor_enabled or not two_factor.required_for(current_user):
        return None
    flash("您的账号须开启两步验证后才能使用，请先完成设置。", "warning")
    return redirect(url_for("two_factor.setup"))
