"""The restore drill of docs/deploy.md, run for real: back up, restore into another database, compare.

PostgreSQL only (the production database); needs pg_dump and pg_restore, which .ci/run has.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from portal.core.extensions import db
from tests.conftest import POSTGRES_URL
from tests.factories import make_campaign, make_recommender, submitted_application

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL or not shutil.which("pg_dump"), reason="the drill runs on PostgreSQL with pg_dump installed"
)
SCRIPTS = Path(__file__).parent.parent / "scripts"
DRILL_DATABASE = "restore_drill"


def _run(script: str, directory: Path, database_url: str, upload_folder: Path, **settings: str) -> None:
    env = (
        os.environ
        | {
            "DATABASE_URL": database_url,
            "UPLOAD_FOLDER": str(upload_folder),
        }
        | settings
    )
    subprocess.run(
        ["bash", str(SCRIPTS / script), str(directory)], check=True, env=env, capture_output=True, timeout=120
    )


@pytest.fixture
def drill_database_url(app):
    """An empty scratch database next to the test database, dropped afterwards."""
    with app.app_context():
        admin_url = db.engine.url
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DRILL_DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DRILL_DATABASE}"))
    yield admin_url.set(database=DRILL_DATABASE).render_as_string(hide_password=False)
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DRILL_DATABASE} WITH (FORCE)"))
    engine.dispose()


def test_backup_and_restore_bring_back_the_data_and_the_files(app, tmp_path, drill_database_url):
    with app.app_context():
        application = submitted_application(make_campaign(), make_recommender())
        db.session.commit()
        expected = (application.id, application.org_name)
        stored = application.attachments[0].file
        upload_folder = Path(app.config["UPLOAD_FOLDER"])
        original_bytes = (upload_folder / stored.stored_name).read_bytes()
        source_url = db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
    _run("backup.sh", tmp_path / "backup", source_url, upload_folder)
    restored_uploads = tmp_path / "restored-uploads"
    _run("restore.sh", tmp_path / "backup", drill_database_url, restored_uploads)
    restored = create_engine(drill_database_url)
    with restored.connect() as connection:
        row = connection.execute(text("SELECT id, org_name FROM application")).one()
        files = connection.execute(text("SELECT stored_name FROM stored_file")).scalars().all()
    restored.dispose()
    assert tuple(row) == expected
    assert stored.stored_name in files
    assert (restored_uploads / stored.stored_name).read_bytes() == original_bytes
