"""Benchmark: the recommender's inbox and list export with N applications addressed to one recommender.

    python -m bench.inbox [--applications 500] [--repeat 20]

Uses a scratch SQLite file, or PostgreSQL when BENCH_DATABASE_URL is set (its tables are dropped
and recreated: point it at a scratch database). Prints the median page time and the SQL statements
per request, which must not grow with the number of rows.
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from bench.seed import (
    PASSWORD,
    analyse_tables,
    make_campaign,
    make_recommender_login,
    make_recommenders,
    seed_applications,
)
from portal import create_app
from portal.core.extensions import db


def build_app(scratch: Path):
    os.environ.setdefault("INSTANCE_PATH", str(scratch / "instance"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{scratch / 'bench.sqlite'}"
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": str(scratch / "uploads"),
        }
    ), url


def measure(client, url: str, repeat: int, statements: list) -> tuple[float, int, int]:
    """Median milliseconds, SQL statements of one request, response bytes."""
    timings = []
    for _ in range(repeat):
        statements.clear()
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings), len(statements), len(response.data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        app, url = build_app(Path(scratch))
        with app.app_context():
            db.drop_all()
            db.create_all()
            campaign = make_campaign()
            (recommender,) = make_recommenders(1)
            staff = make_recommender_login(recommender, "bench-recommender")
            started = time.perf_counter()
            seed_applications(campaign, [recommender], args.applications, staff.id)
            db.session.commit()
            analyse_tables()
            print(
                f"seeded {args.applications} applications in {time.perf_counter() - started:.1f} s on {url.split(':')[0]}"
            )
            statements: list[str] = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        client = app.test_client()
        client.post("/account/login", data={"username": "bench-recommender", "password": PASSWORD})
        print(f"{'page':<44} {'median ms':>10} {'SQL':>5} {'KB':>7}")
        for page in (
            "/recommender/",
            "/recommender/?page=10",
            "/recommender/?scale=large&q=基准企业001",
            "/recommender/ranking",
            "/recommender/applications.xlsx",
        ):
            median, count, size = measure(client, page, args.repeat if not page.endswith(".xlsx") else 3, statements)
            print(f"{page:<44} {median:>10.1f} {count:>5} {size / 1024:>7.0f}")
        with app.app_context():
            db.drop_all()


if __name__ == "__main__":
    main()
