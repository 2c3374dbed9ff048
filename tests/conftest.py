"""Fixtures: an app on a fresh database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set).

With TEST_REDIS_URL set, every app also keeps its login throttle in that Redis, under keys of its own.
"""

import os
import uuid

import pytest

from portal import create_app
from portal.core.config import normalise_database_url
from portal.core.extensions import db
from tests.factories import PASSWORD

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
# Hashing passwords with scrypt is slow on purpose; tests hash thousands and only need it to work.
CHEAP_PASSWORD_HASH = "pbkdf2:sha256:1000"


@pytest.fixture
def database_url(tmp_path):
    return normalise_database_url(POSTGRES_URL) if POSTGRES_URL else f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch):
    """Build an app on the test database; extra config overrides the test defaults."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    made = []

    def make(**config):
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "WTF_CSRF_ENABLED": False,
                "PASSWORD_HASH_METHOD": CHEAP_PASSWORD_HASH,
                # Reviewers and admins log in with the password only, except in tests/test_two_factor.py.
                "TOTP_REQUIRED_ROLES": (),
                "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                "REDIS_URL": REDIS_URL,
                "REDIS_KEY_PREFIX": f"test:{uuid.uuid4().hex}:",
                **config,
            }
        )
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
        if app.config["REDIS_URL"]:
            _delete_redis_keys(app.config["REDIS_URL"], app.config["REDIS_KEY_PREFIX"])


def _delete_redis_keys(url: str, prefix: str) -> None:
    import redis

    store = redis.Redis.from_url(url)
    for key in store.scan_iter(prefix + "*"):
        store.delete(key)


@pytest.fixture
def redis_url():
    """A Redis to test against (TEST_REDIS_URL, else the local one); skips the test without one."""
    import redis

    url = REDIS_URL or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    return url


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
