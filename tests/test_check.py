"""``flask --app app check`` says what is wrong with an installation, and passes on a good one."""

import secrets

from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.core.extensions import db

RANDOM_KEY = secrets.token_hex(32)


def _check(app, **env):
    result = app.test_cli_runner().invoke(args=["check"], env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _forget_migrations():
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_check_fails_until_the_database_is_migrated_then_passes(make_app):
    app = make_app(SECRET_KEY=RANDOM_KEY)
    code, output = _check(app)
    assert code == 1 and "✗ 数据库迁移" in output and "flask --app app db upgrade" in output
    with app.app_context():
        db.drop_all()
        _forget_migrations()
        upgrade()
    code, output = _check(app)
    assert code == 0 and "✓ 数据库迁移" in output and "✓ 上传目录" in output and "配置检查通过" in output
    with app.app_context():
        _forget_migrations()


def test_check_names_a_short_secret_an_unwritable_folder_and_an_unreachable_database(make_app, tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    app = make_app(SECRET_KEY="short", UPLOAD_FOLDER=str(blocked / "uploads"))
    code, output = _check(app)
    assert code == 1 and "✗ 密钥" in output and "✗ 上传目录" in output
    # A database on a closed port.
    broken = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SECRET_KEY": "k" * 40,
            "UPLOAD_FOLDER": str(tmp_path / "u"),
        }
    )
    code, output = _check(broken)
    assert code == 1 and "✗ 数据库：无法连接" in output


def _migrated(app):
    with app.app_context():
        db.drop_all()
        _forget_migrations()
        upgrade()


def test_check_fails_on_a_low_entropy_secret_key(make_app):
    for key in ("a" * 32, "ab" * 20, "k" * 64):
        code, output = _check(make_app(SECRET_KEY=key))
        assert code == 1 and "✗ 密钥：SECRET_KEY 不够随机" in output, key
    code, output = _check(make_app(SECRET_KEY=secrets.token_hex(16)))
    assert "✗ 密钥" not in output


def test_check_fails_with_demo_data_present(make_app):
    from portal.core.demo import load_demo

    app = make_app(SECRET_KEY=RANDOM_KEY)
    _migrated(app)
    assert "✓ 演示数据" in _check(app)[1]
    with app.app_context():
        load_demo()
        db.session.commit()
    code, output = _check(app)
    assert code == 1 and "✗ 演示数据" in output and "reviewer" in output
    with app.app_context():
        _forget_migrations()


def test_demo_refuses_a_database_with_real_data(make_app):
    from tests.factories import make_recommender

    app = make_app()
    with app.app_context():
        make_recommender("河北省市场监督管理局")
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1 and "演示数据只能载入空数据库" in result.output
    with app.app_context():
        from sqlalchemy import func, select

        from portal.accounts.models import User

        assert db.session.scalar(select(func.count(User.id))) == 0
