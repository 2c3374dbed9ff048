"""The home page, error pages and what every template may use."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from portal.accounts.models import Role
from portal.campaigns.models import current_campaign
from portal.core.auth import role_home_endpoint
from portal.core.timeutil import format_local, local_today, utcnow

bp = Blueprint("main", __name__)

ERROR_MESSAGES = {
    400: ("请求无效", "提交的内容无法处理，请返回上一页重试。"),
    403: ("无权访问", "您的账号没有访问此页面的权限。"),
    404: ("页面不存在", "您访问的页面不存在，或您无权查看。"),
    405: ("请求方式不正确", "请通过页面上的按钮操作。"),
    413: ("文件过大", "上传的文件超过大小限制，请压缩后重新上传。"),
    500: ("系统繁忙", "服务器暂时无法处理您的请求，请稍后再试。问题已记录。"),
}


@bp.get("/")
def index():
    """The landing page; logged-in enterprises go straight to their application."""
    if current_user.is_authenticated and current_user.role in (Role.ENTERPRISE, Role.RECOMMENDER):
        return redirect(url_for(role_home_endpoint(current_user)))
    return render_template("index.html", campaign=current_campaign())


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every site; the portal's mark (a 量 on the navigation's red)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=7 * 24 * 3600)


@bp.get("/healthz")
def health():
    """For load balancers and monitoring: the process answers. (The benchmarks' floor, too.)"""
    return {"status": "ok"}


def _error_page(code: int, title: str | None = None, message: str | None = None, action=None):
    """``action``: ``(url, label)`` of the one thing to do next; the home page by default."""
    default_title, default_message = ERROR_MESSAGES[code]
    return render_template(
        "errors/error.html",
        code=code,
        title=title or default_title,
        message=message or default_message,
        action=action,
    ), code


def _expired_form_page(_error):
    """A form posted after the session expired (its CSRF token with it): log in again, never re-post."""
    back = request.referrer if request.referrer and urlsplit(request.referrer).netloc == request.host else None
    next_path = urlsplit(back).path if back else None
    return _error_page(
        400,
        "页面已过期",
        "登录已超时或页面停留过久，这次提交没有保存。请重新登录后回到该页面再提交；"
        "已填写的内容保留在本浏览器的此标签页中，回到该页面即可恢复。",
        (url_for("accounts.login", next=next_path), "重新登录"),
    )


def register_error_pages(app) -> None:
    for code in ERROR_MESSAGES:
        app.register_error_handler(code, lambda error, code=code: _error_page(code))
    app.register_error_handler(
        CSRFError,
        _expired_form_page,
    )


def register_template_helpers(app) -> None:
    app.add_template_filter(format_local, "local")
    app.add_template_filter(lambda value: format_local(value, with_time=False), "local_date")
    # Beijing's "today", for date questions templates ask without a view passing it (is_in_force(…)).
    app.add_template_global(local_today, "local_today")

    @app.context_processor
    def portal_context():
        # ``now`` for the state questions templates ask (can_edit(now), …): the same moment the services check.
        return {"Role": Role, "now": utcnow()}
