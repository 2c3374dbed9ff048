"""Response headers that keep the portal's pages from being framed, sniffed or fed foreign scripts.

Scripts come only from ``static/`` (no inline script anywhere); inline ``style`` attributes are
allowed because Bootstrap's progress bars and a few widths use them, and they cannot run code.

Input no field may hold is refused before any view runs: a NUL byte anywhere (PostgreSQL refuses it in
text with a DataError, which would be a 500) gives a 400 with a Chinese message.
"""

import time

from flask import current_app, render_template, request, session
from flask_login import logout_user
from werkzeug.exceptions import BadRequest

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",  # Bootstrap's CSS draws select arrows and close buttons as data: SVG
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")  # pages hold personal data
    return response


class ForbiddenCharacter(BadRequest):
    """A request carries a character no field accepts (NUL)."""

    description = "提交的内容含有不允许的控制字符（如 NUL），请删除后重新提交。"


def _has_nul(multidict) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in multidict.items(multi=True))


def refuse_nul_bytes():
    """``before_request``: a NUL in the path, a query argument, a form field or an upload's name is a 400."""
    if "\x00" in request.path or _has_nul(request.args):
        raise ForbiddenCharacter()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if _has_nul(request.form):
            raise ForbiddenCharacter()
        if any("\x00" in (upload.filename or "") for _, upload in request.files.items(multi=True)):
            raise ForbiddenCharacter()
    return None


def _forbidden_character_page(error):
    return render_template("errors/error.html", code=400, title="请求无效", message=error.description), 400


LOGIN_TIME_KEY = "login_at"


def mark_login(now: float | None = None) -> None:
    """Note when this session logged in: it ends ``SESSION_ABSOLUTE_LIFETIME`` later, however active."""
    session[LOGIN_TIME_KEY] = int(now if now is not None else time.time())


def end_old_sessions():
    """``before_request``: a login older than ``SESSION_ABSOLUTE_LIFETIME`` is logged out (the 2-hour idle
    limit alone lets a session that is used every hour live for ever)."""
    if "_user_id" not in session:
        return None
    logged_in_at = session.get(LOGIN_TIME_KEY)
    if logged_in_at is None:  # a session from before the limit existed: it starts counting now
        mark_login()
        return None
    if time.time() - logged_in_at > current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds():
        logout_user()  # also forgets a user another hook may have loaded for this request
        session.clear()
    return None


def register_security(app) -> None:
    # ``__Host-`` cookies are sent only over HTTPS, for this host and every path: no subdomain can set them.
    if app.config.get("SESSION_COOKIE_SECURE") and app.config.get("SESSION_COOKIE_NAME") == "session":
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
        app.config["SESSION_COOKIE_DOMAIN"] = None
        app.config["SESSION_COOKIE_PATH"] = "/"
    app.before_request(refuse_nul_bytes)
    app.before_request(end_old_sessions)
    app.register_error_handler(ForbiddenCharacter, _forbidden_character_page)
    app.after_request(add_security_headers)
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.after_request(_strict_transport_security)


def _strict_transport_security(response):
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
