"""Benchmark: importing 5,000 earlier units and 1,000 staff accounts from Excel, preview and confirm,
through the admin's pages; and the preview of 10,000 rows.

    python -m bench.imports [--units 5000] [--staff 1000] [--preview-rows 10000]

Builds a scratch database (a temporary SQLite file, or BENCH_DATABASE_URL: its tables are dropped and
recreated) with 100 recommenders and an admin, writes the sheets with the portal's own template layout,
then, logged in as the admin through the test client: upload + preview page, confirm (one
transaction), and the same file again (everything unchanged). Each scenario runs twice on a fresh
database: once timed, once under tracemalloc for each step's peak of Python memory.
"""

import argparse
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.inbox import build_app
from bench.seed import PASSWORD, make_campaign, make_recommenders
from portal.accounts.models import Role
from portal.accounts.services import create_staff_user
from portal.accounts.uscc import uscc_check_character
from portal.core.extensions import db
from portal.imports.kinds import KINDS
from portal.imports.sheets import write_sheet
from portal.reference import INDUSTRIES, PROVINCES

RECOMMENDERS = 100
MB = 1024 * 1024


def unit_rows(count: int, recommenders: list[str]) -> list[list[str]]:
    rows = []
    for number in range(count):
        first17 = f"91{number % 90 + 10:02d}0108MA{number:07d}"
        rows.append(
            [
                str(2018 + number % 6),
                f"基准往批单位{number:05d}有限公司",
                first17 + uscc_check_character(first17),
                PROVINCES[number % len(PROVINCES)],
                INDUSTRIES[number % len(INDUSTRIES)],
                ("大型", "中小型")[number % 2],
                recommenders[number % len(recommenders)],
                f"{2018 + number % 6}-05-20",
            ]
        )
    return rows


def staff_rows(count: int, recommenders: list[str]) -> list[list[str]]:
    return [
        [
            f"bench-staff-{n:04d}",
            f"经办人{n:04d}",
            recommenders[n % len(recommenders)],
            "推荐单位",
            f"s{n}@example.cn",
            "",
        ]
        for n in range(count)
    ]


def _step(client, label: str, request, traced: bool) -> str:
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    response = request()
    elapsed = time.perf_counter() - started
    assert response.status_code in (200, 302), (label, response.status_code)
    if not traced:
        return f"{elapsed:6.2f} s"
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return f"{peak / MB:6.1f} MB"


def run(scratch: Path, sheets: dict[str, str], traced: bool) -> list[tuple[str, str]]:
    app, _url = build_app(scratch)
    app.config["TOTP_REQUIRED_ROLES"] = ()  # the admin logs in with the password only here
    results = []
    with app.app_context():
        db.drop_all()
        db.create_all()
        make_campaign()
        make_recommenders(RECOMMENDERS)
        create_staff_user("bench-admin", PASSWORD, Role.ADMIN, "基准管理员")
        db.session.commit()
    client = app.test_client()
    client.post("/account/login", data={"username": "bench-admin", "password": PASSWORD})
    for label, (kind, path) in sheets.items():

        def upload_and_preview(kind=kind, path=path):
            with open(path, "rb") as handle:
                client.post("/admin/import/", data={"kind": kind, "workbook": (handle, "bench.xlsx")})
            return client.get("/admin/import/preview")

        def confirm():
            with client.session_transaction() as session:
                token = session["pending_import"]["token"]
            response = client.post("/admin/import/confirm", data={"token": token})
            assert "已导入" in client.get("/admin/import/").get_data(as_text=True), "confirm refused"
            return response

        results.append((f"{label}: upload + preview", _step(client, label, upload_and_preview, traced)))
        if label.startswith("preview only"):
            continue
        results.append((f"{label}: confirm", _step(client, label, confirm, traced)))
        results.append((f"{label}: same file again, preview", _step(client, label, upload_and_preview, traced)))
        results.append((f"{label}: same file again, confirm", _step(client, label, confirm, traced)))
    with app.app_context():
        db.drop_all()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--staff", type=int, default=1000)
    parser.add_argument("--preview-rows", type=int, default=10_000)
    args = parser.parse_args()
    recommenders = [f"基准推荐单位{number:03d}" for number in range(RECOMMENDERS)]
    with tempfile.TemporaryDirectory() as scratch:
        sheets = {
            f"{args.staff:,} staff": ("staff", write_sheet(KINDS["staff"], staff_rows(args.staff, recommenders))),
            f"{args.units:,} units": ("units", write_sheet(KINDS["units"], unit_rows(args.units, recommenders))),
            f"preview only, {args.preview_rows:,} units": (
                "units",
                write_sheet(KINDS["units"], unit_rows(args.preview_rows, recommenders)),
            ),
        }
        for label, (_kind, path) in sheets.items():
            print(f"{label}: {os.path.getsize(path) / 1024:.0f} KB")
        timed = run(Path(scratch), sheets, traced=False)
        traced = run(Path(scratch), sheets, traced=True)
        print(f"{'step':<48} {'time':>9} {'peak (tracemalloc)':>19}")
        for (label, elapsed), (_label, peak) in zip(timed, traced, strict=True):
            print(f"{label:<48} {elapsed:>9} {peak:>19}")
        for _kind, path in sheets.values():
            os.remove(path)


if __name__ == "__main__":
    main()
