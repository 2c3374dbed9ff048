"""Deadline day: the national data set, the production stack, a mixed workload, and nothing lost.

    python -m bench.deadline [--users 50] [--seconds 60] [--servers 1] [--workers 2]
                             [--export-at 15] [--export-pool] [--think 0-0] [--reseed]

The data set (PostgreSQL; built once into the template database ``bench_deadline_seed`` and copied
into ``bench_deadline`` before every run, ``--reseed`` rebuilds it): one campaign, 5,000
applications from 300 recommenders as ``bench/load.py`` (``bench/seed.py``), complete (both
narratives about 2,800 characters), in each recommender's inbox 30 % drafts, 30 % submitted, 30 %
accepted, 10 % recommended; every draft's enterprise has a login, so does every recommender, and five
reviewers. So that the national workbook is the one of the goal (10,000 candidates), ``--candidates``
(default 10,000) pads the campaign with recommended candidates of other recommenders whose lists are
submitted (at most 5 + 5 each), scored by three experts and decided, as ``bench/national.py``.

The stack (``docs/deploy.md``): ``--servers`` gunicorn instances (sync workers, ``--workers`` each,
``PROXY_FIX_X_FOR=1``, the same secret key, upload folder, PostgreSQL and Redis db 8) behind one
nginx upstream on 127.0.0.1:8780. ``TOTP_REQUIRED_ROLES`` is empty: the reviewers log in with a
password only (a second factor would be one more request per login). ``--export-pool`` routes the
national workbook with ``/documents/`` to the document pool of ``docs/deploy.md`` (here one threaded
worker), run at a lower CPU priority (``nice 10``).

The load: locust (``bench/deadline_locust.py``) headless in a separate process, ``--users``
simultaneous users arriving over ``--ramp`` seconds, then measured for ``--seconds`` (enterprises 60 %, recommenders 25 %, reviewers 15 %, and one
reviewer who downloads the national workbook ``--export-at`` seconds in), each waiting ``--think``
seconds (a range, uniformly) after every response, as a person reads before the next click. Each logs in through the form and keeps its session.

It prints, per kind of request, requests per second, p50, p99, errors (any status other than the
expected one, a redirect elsewhere than success goes, or a connection error) and refusals; the
pages' p99 while the export ran; then checks the database: every acknowledged save holds the value
sent, every acknowledged submission is submitted, every acknowledged upload is attached and its file
is in the upload folder (each enterprise also downloads its file back, through whichever server answers),
no recommender's list exceeds its quota, no enterprise has two applications; and that five wrong
passwords sent through nginx, spread over the servers, lock the account. Exit status 1 if anything failed.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text, update
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).parent.parent
SERVER = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "bench_deadline"
TEMPLATE = "bench_deadline_seed"
PORT = 8780
APP_PORTS = (8781, 8782, 8783, 8784)
EXPORT_PORT = 8790
SECRET = "deadline-bench-" * 4
PAGE_GOAL_MS, WRITE_GOAL_MS = 200, 500
NARRATIVE = ("公司建立了覆盖研发、采购、生产、检验和售后全过程的计量管理体系，关键测量过程配备在线监测，" * 60)[:2800]
COMPLETE = {
    "address": "北京市海淀区学院路 1 号",
    "postcode": "100083",
    "legal_representative": "张建国",
    "contact_title": "计量主管",
    "main_products": "压力变送器、流量计",
    "metrology_department": "计量管理办公室",
    "fulltime_metrology_staff": 6,
    "parttime_metrology_staff": 12,
    "instrument_count": 800,
    "highest_standard_count": 5,
    "key_processes": 12,
    "important_processes": 30,
    "general_processes": 120,
    "is_key_energy_user": False,
    "work_summary": NARRATIVE,
    "best_practices": NARRATIVE,
    "pledged": True,
    "pledge_signatory": "张建国",
}
# What the enterprises post: whole sections (a save stores every field of its section).
BASIC_FORM = {
    "org_name": "基准企业有限公司",
    "province": "北京市",
    "city": "北京市",
    "address": COMPLETE["address"],
    "postcode": COMPLETE["postcode"],
    "legal_representative": "张建国",
    "contact_name": "王工",
    "contact_title": "计量主管",
    "contact_phone": "13800138000",
    "contact_email": "bench@example.cn",
    "ownership": "民营企业",
    "industry": None,  # filled from the reference list
    "employees": "1200",
    "revenue": "50000",
    "total_assets": "80000",
}
METROLOGY_FORM = {
    "metrology_department": "计量管理办公室",
    "fulltime_metrology_staff": "6",
    "parttime_metrology_staff": "12",
    "highest_standard_count": "5",
    "key_processes": "12",
    "important_processes": "30",
    "general_processes": "120",
    "is_key_energy_user": "0",
    "energy_use_tce": "",
}


def url(database: str) -> str:
    return f"{SERVER}/{database}"


def psql(statement: str) -> None:
    engine = create_engine(url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def database_exists(name: str) -> bool:
    engine = create_engine(url("postgres"))
    with engine.connect() as connection:
        found = connection.scalar(text("select 1 from pg_database where datname = :n"), {"n": name})
    engine.dispose()
    return bool(found)


# --- the data set ------------------------------------------------------------------------------


def seed(candidates: int) -> None:
    """Build the template database (a few minutes); the runs copy it."""
    psql(f"drop database if exists {TEMPLATE}")
    psql(f"create database {TEMPLATE}")
    os.environ["INSTANCE_PATH"] = tempfile.mkdtemp(prefix="deadline-seed-")
    from bench.national import seed_decisions, seed_experts, seed_scores
    from bench.seed import PASSWORD, analyse_tables, make_campaign, make_recommenders, seed_applications
    from portal import create_app
    from portal.accounts.models import RECOMMENDER_KINDS, Organisation, Role, User
    from portal.accounts.services import create_staff_user
    from portal.applications.models import Application, ApplicationStatus
    from portal.campaigns.models import Scale
    from portal.core.extensions import db
    from portal.core.timeutil import utcnow
    from portal.recommendations.models import RankingEntry, Recommendation
    from portal.reference import PROVINCES

    app = create_app({"SQLALCHEMY_DATABASE_URI": url(TEMPLATE).replace("postgresql:", "postgresql+psycopg:")})
    with app.app_context():
        db.create_all()
        campaign = make_campaign()
        recommenders = make_recommenders(300)
        reviewers = [create_staff_user(f"bench-reviewer{n}", PASSWORD, Role.REVIEWER, "基准主管部门") for n in range(5)]
        ids = seed_applications(campaign, recommenders, 5000, reviewers[0].id)
        # Per recommender, its applications in turn: 3 drafts, 3 submitted, 3 accepted, 1 recommended (10 %).
        pattern = ["draft"] * 3 + ["submitted"] * 3 + ["accepted"] * 3 + ["recommended"]
        index = {organisation.id: number for number, organisation in enumerate(recommenders)}
        seen = defaultdict(int)
        changes = []
        for application_id, recommender_id in db.session.execute(
            select(Application.id, Application.recommender_id).where(Application.id.in_(ids)).order_by(Application.id)
        ):
            status = ApplicationStatus(pattern[(seen[recommender_id] + index[recommender_id]) % len(pattern)])
            seen[recommender_id] += 1
            changes.append(
                {
                    "id": application_id,
                    "status": status,
                    "submitted_at": None if status == ApplicationStatus.DRAFT else utcnow(),
                }
            )
        db.session.execute(update(Application), changes)
        db.session.execute(update(Application).where(Application.campaign_id == campaign.id).values(**COMPLETE))
        password_hash = generate_password_hash(PASSWORD)  # shared: hashing is slow by design
        drafts = db.session.execute(
            select(Application.enterprise_id).where(Application.status == ApplicationStatus.DRAFT)
        ).scalars()
        users = [
            {
                "username": f"BENCH{enterprise_id:013d}",
                "password_hash": password_hash,
                "role": Role.ENTERPRISE,
                "display_name": "基准企业",
                "enterprise_id": enterprise_id,
            }
            for enterprise_id in drafts
        ] + [
            {
                "username": f"bench-rec{number:03d}",
                "password_hash": password_hash,
                "role": Role.RECOMMENDER,
                "display_name": "基准经办人",
                "organisation_id": organisation.id,
            }
            for number, organisation in enumerate(recommenders)
        ]
        db.session.execute(insert(User), users)

        extra = max(candidates - 500, 0)
        if extra:
            padding = [
                Organisation(
                    name=f"基准汇总推荐单位{number:04d}",
                    kind=RECOMMENDER_KINDS[number % len(RECOMMENDER_KINDS)],
                    region=PROVINCES[number % len(PROVINCES)],
                )
                for number in range((extra + 9) // 10)
            ]
            db.session.add_all(padding)
            db.session.flush()
            padded = seed_applications(
                campaign, padding, extra, reviewers[1].id, statuses=(ApplicationStatus.RECOMMENDED,), seed=2
            )
            db.session.execute(
                update(Application).where(Application.id.in_(padded)).values(**COMPLETE, submitted_at=utcnow())
            )
            recommendation_ids = db.session.scalars(
                insert(Recommendation).returning(Recommendation.id, sort_by_parameter_order=True),
                [
                    {
                        "campaign_id": campaign.id,
                        "recommender_id": organisation.id,
                        "submitted_at": utcnow(),
                        "lead_department": "质量发展处",
                        "responsible_person": "李处长",
                        "contact_person": "赵敏",
                        "contact_phone": "010-66668888",
                        "contact_email": "bench@example.gov.cn",
                    }
                    for organisation in padding
                ],
            ).all()
            of = {organisation.id: rid for organisation, rid in zip(padding, recommendation_ids, strict=True)}
            ranks = defaultdict(int)
            entries, scales = [], []
            for application_id, recommender_id in db.session.execute(
                select(Application.id, Application.recommender_id)
                .where(Application.id.in_(padded))
                .order_by(Application.id)
            ):
                ranks[recommender_id] += 1  # the first five large, the next five small/medium: within the quota
                scale = Scale.LARGE if ranks[recommender_id] <= 5 else Scale.SME
                rank = ranks[recommender_id] - (0 if scale == Scale.LARGE else 5)
                scales.append({"id": application_id, "scale": scale})
                entries.append(
                    {
                        "recommendation_id": of[recommender_id],
                        "application_id": application_id,
                        "scale": scale,
                        "rank": rank,
                    }
                )
            db.session.execute(update(Application), scales)
            db.session.execute(insert(RankingEntry), entries)
            seed_scores(campaign, padded, seed_experts(campaign), reviewers[0])
            seed_decisions(padded, reviewers[0])
        db.session.commit()
        analyse_tables()
        db.engine.dispose()


def copy_database() -> None:
    psql(f"drop database if exists {DATABASE} with (force)")
    psql(f"create database {DATABASE} template {TEMPLATE}")


def plan(args, scratch: Path) -> Path:
    """The accounts and ids the simulated users work on."""
    from portal.reference import INDUSTRIES

    engine = create_engine(url(DATABASE).replace("postgresql:", "postgresql+psycopg:"))
    with engine.connect() as connection:
        enterprises = [
            {"username": username, "application_id": application_id}
            for username, application_id in connection.execute(
                text(
                    'select u.username, a.id from application a join "user" u on u.enterprise_id = a.enterprise_id '
                    "where a.status = 'draft' order by a.id"
                )
            )
        ]
        random.Random(3).shuffle(enterprises)
        rows = connection.execute(
            text(
                'select u.username, a.id, a.status from "user" u join application a on a.recommender_id = u.organisation_id '
                "where u.role = 'recommender' and a.status in ('submitted', 'accepted') order by u.username, a.id"
            )
        ).all()
        candidates = (
            connection.execute(text("select id from application where status = 'recommended' order by id"))
            .scalars()
            .all()
        )
    engine.dispose()
    recommenders: dict[str, dict] = {}
    for username, application_id, status in rows:
        entry = recommenders.setdefault(username, {"username": username, "submitted": [], "accepted": []})
        entry["submitted" if status == "submitted" else "accepted"].append(application_id)
    think = [float(part) for part in args.think.split("-")]
    path = scratch / "plan.json"
    path.write_text(
        json.dumps(
            {
                "password": "bench-jiliang-2026",
                "think": think,
                "weights": {"enterprise": 12, "recommender": 5, "reviewer": 3},
                "enterprises": enterprises,
                "recommenders": list(recommenders.values()),
                "reviewers": [f"bench-reviewer{n}" for n in range(5)],
                "candidates": random.Random(4).sample(candidates, min(400, len(candidates))),
                "basic": BASIC_FORM | {"industry": INDUSTRIES[0]},
                "metrology": METROLOGY_FORM,
                "export_at": args.export_at,
                "export_path": "/review/export.xlsx",
                "started": 0,
            },
            ensure_ascii=False,
        )
    )
    return path


# --- the stack ---------------------------------------------------------------------------------

NGINX = """
worker_processes 1;
daemon off;
user root;
pid {scratch}/nginx.pid;
error_log {scratch}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {scratch}/nginx-body;
    proxy_temp_path {scratch}/nginx-proxy;
    fastcgi_temp_path {scratch}/nginx-fastcgi;
    uwsgi_temp_path {scratch}/nginx-uwsgi;
    scgi_temp_path {scratch}/nginx-scgi;
    client_max_body_size 45m;
    upstream portal {{ least_conn; {servers} }}
    server {{
        listen 127.0.0.1:{port};
        {export}
        location / {{
            proxy_pass http://portal;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""
EXPORT_LOCATION = """
        location ~ ^/(documents/|review/export\\.xlsx$) {{  # long downloads: the document pool
            proxy_pass http://127.0.0.1:{port};
            proxy_buffering off;
            proxy_read_timeout 900s;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}"""


def start_stack(args, scratch: Path) -> list[subprocess.Popen]:
    uploads = scratch / "uploads"
    uploads.mkdir()
    env = os.environ | {
        "DATABASE_URL": url(DATABASE),
        "SECRET_KEY": SECRET,
        "UPLOAD_FOLDER": str(uploads),
        "REDIS_URL": args.redis_url,
        "REDIS_KEY_PREFIX": f"deadline:{time.time()}:",
        "TOTP_REQUIRED_ROLES": "",  # the reviewers log in with a password only
        "PROXY_FIX_X_FOR": "1",
    }
    processes = []
    ports = APP_PORTS[: args.servers]
    pools = [(port, args.workers, [], str(scratch / f"instance-{port}")) for port in ports]
    threaded = {EXPORT_PORT: ["--worker-class", "gthread", "--threads", "2"]}
    if args.export_pool:
        pools.append((EXPORT_PORT, 1, ["nice", "-n", "10"], str(scratch / "instance-export")))
    for port, workers, prefix, instance in pools:
        command = [
            *prefix,
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            *threaded.get(port, []),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--forwarded-allow-ips",
            "127.0.0.1",
            "--logger-class",
            "portal.core.redaction.RedactingGunicornLogger",
            "--log-level",
            "warning",
            "--access-logfile",
            str(scratch / f"access-{port}.log"),
            "app:app",
        ]
        # Each server its own instance folder (its own machine); the upload folder is the shared one.
        processes.append(subprocess.Popen(command, env=env | {"INSTANCE_PATH": instance}, cwd=ROOT))
    (scratch / "nginx.conf").write_text(
        NGINX.format(
            scratch=scratch,
            port=PORT,
            servers=" ".join(f"server 127.0.0.1:{port};" for port in ports),
            export=EXPORT_LOCATION.format(port=EXPORT_PORT) if args.export_pool else "",
        )
    )
    processes.append(subprocess.Popen(["nginx", "-p", str(scratch), "-c", str(scratch / "nginx.conf")]))
    import http.client

    for target in [*(p[0] for p in pools), PORT]:
        for _ in range(150):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", target, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            stop(processes)
            raise SystemExit(f"port {target} did not answer")
    return processes


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def run_locust(args, plan_path: Path, scratch: Path) -> dict:
    results = scratch / "results.json"
    data = json.loads(plan_path.read_text())
    data["started"] = time.time()
    plan_path.write_text(json.dumps(data, ensure_ascii=False))
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "deadline_locust.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.users / args.ramp if args.ramp else args.users),
        "--run-time",
        f"{args.ramp + args.seconds}s",
        "--stop-timeout",
        "60",
        "--host",
        f"http://127.0.0.1:{PORT}",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = os.environ | {"DEADLINE_PLAN": str(plan_path), "DEADLINE_RESULTS": str(results)}
    started = time.time()
    with open(scratch / "locust.log", "w") as log:
        subprocess.run(command, env=env, cwd=ROOT, check=False, stdout=log, stderr=subprocess.STDOUT)
    outcome = json.loads(results.read_text())
    # The figures are those of the steady state: requests started after the ramp, before the end.
    window = (started + args.ramp, started + args.ramp + args.seconds)
    outcome["all_records"] = outcome["records"]
    outcome["records"] = [
        r for r in outcome["records"] if window[0] <= r[1] < window[1] or r[0] == "reviewer: national workbook"
    ]
    return outcome


# --- the report and the checks -----------------------------------------------------------------


def throttle_check(username: str, scratch: Path) -> list[str]:
    """Five wrong passwords through nginx lock the account, whichever server counted them (Redis)."""
    import http.client
    import re
    from urllib.parse import urlencode

    agent = "deadline-throttle-check"

    def attempt(password: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)  # a new connection each time
        connection.request("GET", "/account/login", headers={"User-Agent": agent})
        response = connection.getresponse()
        body = response.read().decode()
        cookie = response.getheader("Set-Cookie").split(";")[0]
        token = re.search(r'name="csrf_token"[^>]*? value="([^"]+)"', body).group(1)
        connection.request(
            "POST",
            "/account/login",
            body=urlencode({"csrf_token": token, "username": username, "password": password}),
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "User-Agent": agent},
        )
        response = connection.getresponse()
        response.read()
        return response.status

    for number in range(5):
        if number % 2:  # nginx takes the servers in turn: one request more, and the next POST goes to the other
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            connection.request("GET", "/healthz", headers={"User-Agent": agent})
            connection.getresponse().read()
        attempt("wrong-password-2026")
    status = attempt("bench-jiliang-2026")
    servers = [
        port
        for port in APP_PORTS
        if (scratch / f"access-{port}.log").exists()
        and any("POST /account/login" in line and agent in line for line in open(scratch / f"access-{port}.log"))
    ]
    print(
        f"login throttle: after 5 wrong passwords (counted by the servers on ports {servers}) the right one "
        f"{'is refused: locked' if status == 200 else f'answers {status}: NOT locked'}"
    )
    return [] if status == 200 else [f"login throttle not shared: the 6th attempt answered {status}"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)] if ordered else float("nan")


def is_write(kind: str) -> bool:
    return "(POST)" in kind


def report(outcome: dict, args) -> dict:
    records = outcome["records"]
    duration = args.seconds
    by_kind = defaultdict(list)
    for kind, start, ms, ok, refused, _ in records:
        by_kind[kind].append((start, ms, ok, refused))
    print(f"{'request':<38} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'refused':>8}  goal")
    summary = {}
    for kind in sorted(by_kind, key=lambda k: (is_write(k), k)):
        rows = by_kind[kind]
        times = [ms for _, ms, _, _ in rows]
        errors = sum(1 for _, _, ok, _ in rows if not ok)
        refused = sum(1 for _, _, _, r in rows if r)
        p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
        goal = WRITE_GOAL_MS if is_write(kind) else PAGE_GOAL_MS
        export = kind == "reviewer: national workbook"
        met = "—" if export else ("met" if p99 < goal and not errors else "NOT met")
        summary[kind] = {
            "n": len(rows),
            "rps": len(rows) / duration,
            "p50": p50,
            "p99": p99,
            "errors": errors,
            "refused": refused,
            "met": met,
        }
        print(
            f"{kind:<38} {len(rows):>6} {len(rows) / duration:>7.1f} {p50:>8.1f} {p99:>8.1f} {errors:>7} {refused:>8}  {met}"
        )
    total = len(records)
    errors = sum(1 for r in records if not r[3])
    print(f"{'all':<38} {total:>6} {total / duration:>7.1f} {'':>8} {'':>8} {errors:>7}")
    for detail in sorted({r[5] for r in records if not r[3]})[:10]:
        print(f"  error: {detail}")
    export = outcome["acks"].get("export")
    if export:
        during = [
            r
            for r in records
            if export["start"] <= r[1] <= export["end"] and not is_write(r[0]) and r[0] != "reviewer: national workbook"
        ]
        writes = [r for r in records if export["start"] <= r[1] <= export["end"] and is_write(r[0])]
        other = [
            r
            for r in records
            if not export["start"] <= r[1] <= export["end"]
            and not is_write(r[0])
            and r[0] != "reviewer: national workbook"
        ]
        print(
            f"national workbook: {export['end'] - export['start']:.1f} s, {export['bytes'] / 1e6:.1f} MB, "
            f"{'ok' if export['ok'] else 'FAILED'}; meanwhile pages p50 {percentile([r[2] for r in during], 0.5):.0f} ms, "
            f"p99 {percentile([r[2] for r in during], 0.99):.0f} ms ({len(during)} pages), writes p99 "
            f"{percentile([r[2] for r in writes], 0.99):.0f} ms ({len(writes)}); the rest of the run: pages p99 "
            f"{percentile([r[2] for r in other], 0.99):.0f} ms ({len(other)})"
        )
        summary["_export"] = {
            "seconds": export["end"] - export["start"],
            "ok": export["ok"],
            "pages_p99": percentile([r[2] for r in during], 0.99),
            "writes_p99": percentile([r[2] for r in writes], 0.99),
            "other_pages_p99": percentile([r[2] for r in other], 0.99),
        }
    else:
        print("national workbook: not downloaded within the run")
    return summary


def check(outcome: dict, uploads: Path) -> list[str]:
    """What the server acknowledged, against the database; a list of problems (empty: nothing lost)."""
    acks = outcome["acks"]
    problems = []
    engine = create_engine(url(DATABASE).replace("postgresql:", "postgresql+psycopg:"))
    with engine.connect() as connection:
        last = {}
        for application_id, field, value in acks["saves"]:
            last[application_id, field] = value  # one session per enterprise: its saves are in order
        for (application_id, field), value in last.items():
            stored = connection.scalar(text(f"select {field} from application where id = :id"), {"id": application_id})
            if str(stored) != str(value):
                problems.append(f"save lost: application {application_id} {field} = {stored!r}, sent {value!r}")
        for application_id in acks["submissions"]:
            status = connection.scalar(text("select status from application where id = :id"), {"id": application_id})
            if status != "submitted":
                problems.append(f"submission lost: application {application_id} is {status}")
        for application_id, name in acks["uploads"]:
            stored = connection.execute(
                text(
                    "select f.stored_name from attachment t join stored_file f on f.id = t.file_id "
                    "where t.application_id = :id and f.original_name = :name"
                ),
                {"id": application_id, "name": name},
            ).scalar()
            if stored is None:
                problems.append(f"upload lost: application {application_id} {name}")
            elif not any(uploads.rglob(stored)):
                problems.append(f"uploaded file missing from the upload folder: {stored}")
        over = connection.execute(
            text(
                "select r.recommender_id, e.scale, count(*), c.quota_large, c.quota_sme from ranking_entry e "
                "join recommendation r on r.id = e.recommendation_id join campaign c on c.id = r.campaign_id "
                "group by r.recommender_id, e.scale, c.quota_large, c.quota_sme "
                "having count(*) > case when e.scale = 'large' then c.quota_large else c.quota_sme end"
            )
        ).all()
        problems += [f"list over quota: recommender {row[0]} {row[1]}: {row[2]}" for row in over]
        twice = connection.execute(
            text(
                "select enterprise_id, count(*) from application group by campaign_id, enterprise_id having count(*) > 1"
            )
        ).all()
        problems += [f"enterprise {row[0]} has {row[1]} applications" for row in twice]
    engine.dispose()
    print(
        f"checked: {len(last)} saves, {len(acks['submissions'])} submissions, {len(acks['uploads'])} uploads, "
        "every recommender's list against its quota, one application per enterprise: "
        + ("nothing lost" if not problems else f"{len(problems)} PROBLEMS")
    )
    for problem in problems[:20]:
        print("  " + problem)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60, help="measured, after the ramp")
    parser.add_argument("--ramp", type=int, default=10, help="seconds over which the users arrive (not measured)")
    parser.add_argument("--servers", type=int, default=1, choices=range(1, 5))
    parser.add_argument("--workers", type=int, default=2, help="sync workers per server")
    parser.add_argument("--export-at", type=float, default=15, help="seconds into the run; negative: no export")
    parser.add_argument(
        "--export-pool", action="store_true", help="the national workbook from the document pool, reniced"
    )
    parser.add_argument("--think", default="0-0", help="seconds each user waits after each response, e.g. 1-3")
    parser.add_argument("--candidates", type=int, default=10000, help="candidates in the national workbook")
    parser.add_argument("--reseed", action="store_true", help="rebuild the template database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.reseed or not database_exists(TEMPLATE):
        started = time.perf_counter()
        seed(args.candidates)
        print(f"template database {TEMPLATE} built in {time.perf_counter() - started:.0f} s")
    copy_database()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="deadline-") as scratch_dir:
        scratch = Path(scratch_dir)
        plan_path = plan(args, scratch)
        if args.export_at < 0:
            data = json.loads(plan_path.read_text())
            data["export_at"] = 10**6
            plan_path.write_text(json.dumps(data, ensure_ascii=False))
        processes = start_stack(args, scratch)
        try:
            print(
                f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, load average before {load[0]:.2f} / {load[1]:.2f} / "
                f"{load[2]:.2f}; {args.servers} server(s) × {args.workers} sync workers behind nginx"
                f"{' + the document pool for the export (1 gthread worker, nice 10)' if args.export_pool else ''}; "
                f"{args.users} users (ramp {args.ramp} s), think {args.think} s, {args.seconds} s measured"
            )
            outcome = run_locust(args, plan_path, scratch)
            after = os.getloadavg()
            summary = report(outcome, args)
            locked = throttle_check(json.loads(plan_path.read_text())["enterprises"][-1]["username"], scratch)
        finally:
            stop(processes)
        problems = check(outcome, scratch / "uploads") + locked
        print(f"load average after {after[0]:.2f} / {after[1]:.2f} / {after[2]:.2f}")
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "args": vars(args),
                        "load_before": load,
                        "load_after": after,
                        "summary": summary,
                        "problems": problems,
                    },
                    ensure_ascii=False,
                    indent=1,
                )
            )
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
