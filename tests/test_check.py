"""``flask --app app check`` says what is wrong with an installation, and passes on a good one."""

from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.core.extensions import db


def _check(app, **env):
    result = app.test_cli_runner().invoke(args=["check"], env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _forget_migrations():
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_check_fails_until_the_database_is_migrated_then_passes(make_app):
    app = make_app(SECRET_KEY="k" * 40)
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
