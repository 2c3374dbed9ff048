"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from portal.core.extensions import db


def test_migrations_match_the_models(make_app):
    app = make_app()
    with app.app_context():
        db.drop_all()
        _forget_migrations()
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        _forget_migrations()
        assert differences == []


def _forget_migrations():
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
