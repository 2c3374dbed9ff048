"""Load benchmark: a national-scale data set in PostgreSQL, gunicorn with production settings, and
wrk driving the main pages.

    python -m bench.load [--clients 50] [--seconds 10] [--workers 2] [--threads 1] [--wrk-threads 2] [--writers 0]

Builds 5,000 applications from 300 recommenders (10 % recommended) in BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/bench; its tables are dropped and recreated), starts gunicorn on
127.0.0.1 with Redis for the login throttle, logs one client session in per role through the login form and replays its cookie with
wrk (C, keep-alive: ``--clients`` connections over ``--wrk-threads`` threads, so the client costs
little CPU and adds no latency of its own), one page at a time for ``--seconds``. Prints requests per
second and the p50 / p99 latency of each page (from ``wrk --latency``), and of /healthz (the same app
doing nothing) as the floor; errors are wrk's socket errors and timeouts plus any status other than 200.
With ``--writers N``, N more connections keep saving another enterprise's draft meanwhile (the busy
day: do the officials' pages stay fast while enterprises write?), and their figures follow each page's.
Needs wrk (``apt-get install -y wrk``).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench"
PORT = 8765
PAGES = [  # (name, role, path)
    ("floor: /healthz", None, "/healthz"),
    ("login form", None, "/account/login"),
    ("enterprise: 基本信息 form", "enterprise", "/application/section/basic"),
    ("recommender: inbox", "recommender", "/recommender/"),
    ("ministry: candidates", "reviewer", "/review/candidates"),
]
PASSWORD = "bench-jiliang-2026"
DRAFT_FORM = "/application/section/basic"
# Each wrk thread counts the responses other than 200 in its own Lua state; done() gathers them.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_200 = 0 end
function response(status, headers, body) if status ~= 200 then not_200 = not_200 + 1 end end
function done(summary, latency, requests)
  local not_200 = 0
  for _, thread in ipairs(threads) do not_200 = not_200 + thread:get("not_200") end
  local e = summary.errors
  io.write(string.format('BENCH {"requests": %d, "duration": %d, "p50": %d, "p99": %d, "connect": %d, '
    .. '"read": %d, "write": %d, "status": %d, "timeout": %d, "not_200": %d}\\n', summary.requests,
    summary.duration, latency:percentile(50.0), latency:percentile(99.0), e.connect, e.read, e.write,
    e.status, e.timeout, not_200))
end
"""
# The writers post the draft form; a save answers 302 (to the form again), which they count as success.
WRITER_REQUEST = """
wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
"""


def build_data(database_url: str, scratch: Path) -> dict[str, str]:
    """The data set and one login per role; returns {role: username}."""
    os.environ["INSTANCE_PATH"] = str(scratch / "instance")
    from bench.seed import analyse_tables, make_campaign, make_recommenders, seed_applications
    from portal import create_app
    from portal.accounts.models import Role, User
    from portal.accounts.services import create_staff_user
    from portal.applications.models import Application, ApplicationStatus
    from portal.core.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench" * 8, "UPLOAD_FOLDER": str(scratch / "uploads")}
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        campaign = make_campaign()
        recommenders = make_recommenders(300)
        reviewer = create_staff_user("bench-reviewer", PASSWORD, Role.REVIEWER, "基准主管部门")
        statuses = (
            [ApplicationStatus.SUBMITTED] * 6 + [ApplicationStatus.ACCEPTED] * 3 + [ApplicationStatus.RECOMMENDED]
        )
        seed_applications(campaign, recommenders, 5000, reviewer.id, statuses=statuses)
        create_staff_user("bench-recommender", PASSWORD, Role.RECOMMENDER, "基准推荐单位", recommenders[0])
        # Two enterprises still filling their form, addressed to that recommender: one reads, one saves.
        logins = {"recommender": "bench-recommender", "reviewer": "bench-reviewer"}
        drafts = db.session.scalars(
            db.select(Application)
            .where(Application.recommender_id == recommenders[0].id)
            .order_by(Application.id)
            .limit(2)
        )
        for role, application in zip(("enterprise", "writer"), drafts, strict=False):
            application.status = ApplicationStatus.DRAFT
            user = User(
                username=f"BENCH{application.enterprise_id:013d}",
                role=Role.ENTERPRISE,
                display_name="基准企业",
                enterprise_id=application.enterprise_id,
            )
            user.set_password(PASSWORD)
            db.session.add(user)
            logins[role] = user.username
        db.session.commit()
        analyse_tables()
        return logins


def start_gunicorn(database_url: str, scratch: Path, args: argparse.Namespace) -> subprocess.Popen:
    """gunicorn as in docs/deploy.md, Redis for throttling (its keys fresh for this run)."""
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench" * 8,
        "INSTANCE_PATH": str(scratch / "instance"),
        "UPLOAD_FOLDER": str(scratch / "uploads"),
        "REDIS_URL": args.redis_url,
        "REDIS_KEY_PREFIX": f"bench:{time.time()}:",
        "TOTP_REQUIRED_ROLES": "",  # the load test logs in with passwords; two factors cost one request more
    }
    workers, threads = args.workers, args.threads
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "app:app",
        ],
        env=env,
        cwd=Path(__file__).parent.parent,
    )
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
    connection.request(
        "POST",
        "/account/login",
        body=urlencode({"csrf_token": token, "username": username, "password": PASSWORD}),
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    response.read()
    assert response.status == 302, f"login of {username} failed: {response.status}"
    return response.getheader("Set-Cookie").split(";")[0]


def drive(path: str, cookie: str | None, args: argparse.Namespace, script: Path) -> dict:
    """Run wrk on ``path``; requests per second, p50 / p99 in ms and errors (any status other than 200 included)."""
    return _result(
        subprocess.run(
            _wrk(path, cookie, args.clients, args, script), capture_output=True, text=True, check=True
        ).stdout
    )


def _wrk(path: str, cookie: str | None, connections: int, args: argparse.Namespace, script: Path) -> list[str]:
    command = [
        "wrk",
        "--threads",
        str(args.wrk_threads),
        "--connections",
        str(connections),
        "--duration",
        f"{args.seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "--script",
        str(script),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    return command + [f"http://127.0.0.1:{PORT}{path}"]


def start_writers(cookie: str, args: argparse.Namespace, scratch: Path) -> subprocess.Popen:
    """``--writers`` connections saving the writer enterprise's draft (基本信息) over and over, in the background."""
    status, body, headers = _get(DRAFT_FORM, cookie)
    assert status == 200, f"{DRAFT_FORM}: {status}"
    cookie = headers.get("Set-Cookie", cookie).split(";")[0]  # the session now holds the form's CSRF secret
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1).decode()
    form = urlencode(
        {
            "csrf_token": token,
            "org_name": "基准起草企业",
            "province": "北京市",
            "city": "北京市",
            "main_products": "压力变送器",
            "employees": "1200",
            "revenue": "50000",
            "save": "",
        }
    )
    script = scratch / "writers.lua"
    script.write_text(WRK_SCRIPT.replace("status ~= 200", "status ~= 302") + WRITER_REQUEST.format(body=form))
    return subprocess.Popen(_wrk(DRAFT_FORM, cookie, args.writers, args, script), stdout=subprocess.PIPE, text=True)


def _result(output: str) -> dict:
    result = json.loads(re.search(r"^BENCH (.*)$", output, re.MULTILINE).group(1))
    errors = sum(result[key] for key in ("connect", "read", "write", "timeout", "not_200"))
    return {
        "requests": result["requests"],
        "errors": errors,
        "rps": result["requests"] / result["duration"] * 1e6,
        "p50": result["p50"] / 1000,
        "p99": result["p99"] / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (1: sync workers)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--writers", type=int, default=0, help="meanwhile, this many connections keep saving another enterprise's draft"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk")
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        started = time.perf_counter()
        logins = build_data(database_url, scratch)
        print(f"data: 5,000 applications, 300 recommenders, 10 % recommended, in {time.perf_counter() - started:.1f} s")
        server = start_gunicorn(database_url, scratch, args)
        try:
            cookies = {role: log_in(username) for role, username in logins.items()}
            script = scratch / "bench.lua"
            script.write_text(WRK_SCRIPT)
            print(
                f"gunicorn: {args.workers} workers × {args.threads} threads; wrk: {args.clients} connections over "
                f"{args.wrk_threads} threads for {args.seconds} s per page"
            )
            print(f"{'page':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
            results = {}
            for name, role, path in PAGES:
                status, _, _ = _get(path, cookies.get(role))  # warm up
                assert status == 200, f"{path}: {status}"
                writers = start_writers(cookies["writer"], args, scratch) if args.writers else None
                result = results[name] = drive(path, cookies.get(role), args, script)
                print(
                    f"{name:<28} {result['rps']:>8.0f} {result['p50']:>8.1f} {result['p99']:>8.1f} {result['errors']:>7}"
                )
                if writers:
                    saved = _result(writers.communicate()[0])
                    print(
                        f"{'  meanwhile, draft saves':<28} {saved['rps']:>8.0f} {saved['p50']:>8.1f} {saved['p99']:>8.1f} "
                        f"{saved['errors']:>7}"
                    )
            floor = results[PAGES[0][0]]["p50"]
            print(
                json.dumps(
                    {"p50_over_floor": {name: round(r["p50"] / floor, 1) for name, r in results.items()}},
                    ensure_ascii=False,
                )
            )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
