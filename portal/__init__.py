"""The 工业计量标杆示范 application portal."""

import os

from flask import Flask

from portal.core.arguments import init_arguments
from portal.core.config import build_config
from portal.core.extensions import csrf, db, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, security headers, error pages, CLI commands."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH", os.path.join(root, "instance")),
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(build_config(app.instance_path))
    if test_config:
        app.config.update(test_config)

    _trust_proxies(app)
    init_arguments(app)  # before the routes: every <int:…> is a database id
    _register_extensions(app)
    _register_blueprints(app)

    from portal.core import commands, navigation, pages, security, transactions

    transactions.init_unit_of_work(app)
    security.register_security(app)
    navigation.register_navigation(app)
    pages.register_error_pages(app)
    pages.register_template_helpers(app)
    commands.register_commands(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind ``PROXY_FIX_X_FOR`` reverse proxies, the client's address and scheme are the ones they forward.

    Exactly that many hops are trusted: an X-Forwarded-For the client wrote itself is ignored.
    """
    hops = app.config.get("PROXY_FIX_X_FOR", 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _register_extensions(app: Flask) -> None:
    from portal.accounts.throttle import init_throttle
    from portal.core.database import make_sqlite_transactions_serial
    from portal.files import init_file_cleanup

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.join(os.path.dirname(app.template_folder), "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    init_throttle(app)
    init_file_cleanup()
    import portal.core.auth  # noqa: F401  (registers the user loader)
    import portal.models  # noqa: F401  (every table, for Alembic and create_all)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            make_sqlite_transactions_serial(db.engine)


def _register_blueprints(app: Flask) -> None:
    from portal.accounts.claim_views import admin_bp as claims_admin_bp
    from portal.accounts.claim_views import bp as code_claim_bp
    from portal.accounts.two_factor_views import bp as two_factor_bp
    from portal.accounts.views import bp as accounts_bp
    from portal.admin.views import bp as admin_bp
    from portal.applications.views import bp as applications_bp
    from portal.applications.views import files_bp
    from portal.core.pages import bp as main_bp
    from portal.documents.views import bp as documents_bp
    from portal.imports.views import bp as imports_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.recommendations.views import bp as recommendations_bp
    from portal.rereview.unit_views import bp as rereview_unit_bp
    from portal.rereview.views import bp as rereview_bp
    from portal.review.expert_views import bp as experts_bp
    from portal.review.views import bp as review_bp
    from portal.review.views.publication import public_bp

    for blueprint in (
        main_bp,
        accounts_bp,
        two_factor_bp,
        code_claim_bp,
        claims_admin_bp,
        applications_bp,
        files_bp,
        recommendations_bp,
        review_bp,
        experts_bp,
        public_bp,
        rereview_bp,
        rereview_unit_bp,
        notifications_bp,
        admin_bp,
        imports_bp,
        documents_bp,
    ):
        app.register_blueprint(blueprint)
