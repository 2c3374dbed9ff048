"""Fixtures: an app on a fresh database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set)."""
import os

import pytest

from portal import create_app
from portal.config import normalise_database_url
from portal.extensions import db
from tests.factories import PASSWORD

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture
def database_url(tmp_path):
    return normalise_database_url(POSTGRES_URL) if POSTGRES_URL else f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch):
    """Build an app on the test database; extra config overrides the test defaults."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    made = []

    def make(**config):
        app = create_app({
            "TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": str(tmp_path / "uploads"), **config,
        })
        with app.app_context():
            db.drop_all()
            db.create_all()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def ctx(app):
    """An application context, for service tests."""
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username: str, password: str = PASSWORD):
    return client.post("/account/login", data={"username": username, "password": password})


@pytest.fixture
def count_queries(app):
    """A list that collects every SQL statement the app runs while the test goes on."""
    from sqlalchemy import event

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def on_execute(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    yield statements
    event.remove(engine, "before_cursor_execute", on_execute)
