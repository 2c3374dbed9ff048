"""Database engine settings that rules depend on."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def make_sqlite_transactions_serial(engine: Engine) -> None:
    """Make every SQLite transaction take the write lock when it begins.

    Python's sqlite3 starts a transaction only at the first write, so two requests can both
    count four ranked candidates and both insert a fifth and sixth. ``BEGIN IMMEDIATE`` makes
    the count-then-insert atomic; WAL and a busy timeout make waiting writers queue instead of
    failing. PostgreSQL gets row locks (``with_for_update``) instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
