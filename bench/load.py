"""Load benchmark: a national-scale data set in PostgreSQL, gunicorn with production settings, and
concurrent clients driving the main pages from other processes.

    python -m bench.load [--clients 50] [--seconds 10] [--workers 4]

Builds 5,000 applications from 300 recommenders (10 % recommended) in BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/bench; its tables are dropped and recreated), starts gunicorn on
127.0.0.1, logs one client session in per role and replays it from ``--clients`` threads spread
over several processes, one page at a time for ``--seconds``. Prints requests per second and the
p50 / p99 latency of each page, and of /healthz (the same app doing nothing) as the floor.
"""
import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from threading import Thread
from urllib.parse import urlencode

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench"
PORT = 8765
PROCESSES = 5
PAGES = [  # (name, role, path)
    ("floor: /healthz", None, "/healthz"),
    ("login form", None, "/account/login"),
    ("enterprise: 基本信息 form", "enterprise", "/application/section/basic"),
    ("recommender: inbox", "recommender", "/recommender/"),
    ("ministry: candidates", "reviewer", "/review/candidates"),
]
PASSWORD = "bench2026"


def build_data(database_url: str, scratch: Path) -> dict[str, str]:
    """The data set and one login per role; returns {role: username}."""
    os.environ["INSTANCE_PATH"] = str(scratch / "instance")
    from bench.seed import make_campaign, make_recommenders, seed_applications
    from portal import create_app
    from portal.accounts.models import Role, User
    from portal.accounts.services import create_staff_user
    from portal.applications.models import Application, ApplicationStatus
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench" * 8,
                      "UPLOAD_FOLDER": str(scratch / "uploads")})
    with app.app_context():
        db.drop_all()
        db.create_all()
        campaign = make_campaign()
        recommenders = make_recommenders(300)
        reviewer = create_staff_user("bench-reviewer", PASSWORD, Role.REVIEWER, "基准主管部门")
        statuses = [ApplicationStatus.SUBMITTED] * 6 + [ApplicationStatus.ACCEPTED] * 3 + [ApplicationStatus.RECOMMENDED]
        seed_applications(campaign, recommenders, 5000, reviewer.id, statuses=statuses)
        create_staff_user("bench-recommender", PASSWORD, Role.RECOMMENDER, "基准推荐单位", recommenders[0])
        application = db.session.scalar(db.select(Application).where(Application.recommender_id == recommenders[0].id)
                                        .order_by(Application.id).limit(1))
        application.status = ApplicationStatus.DRAFT  # the enterprise is still filling its form
        enterprise = User(username=f"BENCH{application.enterprise_id:013d}", role=Role.ENTERPRISE, display_name="基准企业",
                          enterprise_id=application.enterprise_id)
        enterprise.set_password(PASSWORD)
        db.session.add(enterprise)
        db.session.commit()
        return {"enterprise": enterprise.username, "recommender": "bench-recommender", "reviewer": "bench-reviewer"}


def start_gunicorn(database_url: str, scratch: Path, workers: int) -> subprocess.Popen:
    env = os.environ | {"DATABASE_URL": database_url, "SECRET_KEY": "bench" * 8, "INSTANCE_PATH": str(scratch / "instance"),
                        "UPLOAD_FOLDER": str(scratch / "uploads")}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", "2", "--bind", f"127.0.0.1:{PORT}",
         "--log-level", "warning", "app:app"], env=env, cwd=Path(__file__).parent.parent)
    for _ in range(100):
        try:
            _get("/healthz", None)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def _get(path: str, cookie: str | None) -> tuple[int, bytes, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    return response.status, response.read(), dict(response.getheaders())


def log_in(username: str) -> str:
    """The session cookie of ``username``, logged in through the form like a browser."""
    status, body, headers = _get("/account/login", None)
    cookie = headers["Set-Cookie"].split(";")[0]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1).decode()
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    connection.request("POST", "/account/login", body=urlencode({"csrf_token": token, "username": username, "password": PASSWORD}),
                       headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    assert response.status == 302, f"login of {username} failed: {response.status}"
    return response.getheader("Set-Cookie").split(";")[0]


def _client_process(path: str, cookie: str | None, threads: int, seconds: float) -> tuple[list[float], int]:
    """Run ``threads`` keep-alive clients on ``path`` for ``seconds``; latencies in ms and errors."""
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        headers = {"Cookie": cookie} if cookie else {}
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                ok = False
            if ok:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors[0] += 1

    workers = [Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, errors[0]


def drive(path: str, cookie: str | None, clients: int, seconds: float) -> dict:
    per_process = [clients // PROCESSES + (1 if i < clients % PROCESSES else 0) for i in range(PROCESSES)]
    with ProcessPoolExecutor(PROCESSES) as pool:
        results = list(pool.map(_client_process, [path] * PROCESSES, [cookie] * PROCESSES, per_process,
                                [seconds] * PROCESSES))
    latencies = sorted(latency for part, _ in results for latency in part)
    errors = sum(error for _, error in results)
    quantile = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / seconds,
            "p50": statistics.median(latencies), "p99": quantile[98]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        started = time.perf_counter()
        logins = build_data(database_url, scratch)
        print(f"data: 5,000 applications, 300 recommenders, 10 % recommended, in {time.perf_counter() - started:.1f} s")
        server = start_gunicorn(database_url, scratch, args.workers)
        try:
            cookies = {role: log_in(username) for role, username in logins.items()}
            print(f"gunicorn: {args.workers} workers × 2 threads; {args.clients} clients for {args.seconds:g} s per page")
            print(f"{'page':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
            results = {}
            for name, role, path in PAGES:
                _get(path, cookies.get(role))  # warm up
                result = results[name] = drive(path, cookies.get(role), args.clients, args.seconds)
                print(f"{name:<28} {result['rps']:>8.0f} {result['p50']:>8.1f} {result['p99']:>8.1f} {result['errors']:>7}")
            floor = results[PAGES[0][0]]["p50"]
            print(json.dumps({"p50_over_floor": {name: round(r["p50"] / floor, 1) for name, r in results.items()}},
                             ensure_ascii=False))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
