"""Benchmark: the national workbook of a campaign with N candidates, against bare XlsxWriter.

    python -m bench.national [--candidates 1000] [--repeat 3]

Builds a scratch database (a temporary SQLite file, or BENCH_DATABASE_URL: its tables are dropped
and recreated) with N recommended candidates spread over 80 recommenders' submitted lists, three
submitted expert assignments of five scores each per candidate, and a decision for every one.
Then it times :func:`write_national_workbook` and, as the floor, bare XlsxWriter writing the very
same cells (recorded from the export beforehand, so no query and no row building is timed). Peak
memory is measured in a fresh process that only runs the export: tracemalloc's peak, and the
growth of the process's maximum resident set.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from decimal import Decimal
from pathlib import Path
from unittest import mock

import xlsxwriter
from sqlalchemy import event, insert, select
from werkzeug.security import generate_password_hash

from bench.inbox import build_app
from bench.seed import BATCH, PASSWORD, analyse_tables, make_campaign, make_recommenders, seed_applications
from portal.accounts.models import RECOMMENDER_KINDS, Role, User
from portal.accounts.services import create_staff_user
from portal.applications.models import Application, ApplicationStatus
from portal.campaigns.models import Campaign
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.exports import national_workbook
from portal.exports.spreadsheets import WORKBOOK_OPTIONS
from portal.recommendations.models import RankingEntry, Recommendation
from portal.reference import PROVINCES
from portal.review.models import Assignment, Decision, DecisionOutcome, ExpertOpinion, ExpertProfile, Score
from portal.review.scoring import weighted_total
from portal.review.services import rubric

RECOMMENDERS = 80
EXPERTS = 60
EXPERTS_PER_CANDIDATE = 3
MB = 1024 * 1024


# --- the scratch campaign -----------------------------------------------------------------------


def seed_campaign(candidates: int) -> Campaign:
    """A campaign whose N candidates are recommended, scored by three experts each, and decided."""
    campaign = make_campaign()
    recommenders = make_recommenders(RECOMMENDERS)
    for number, organisation in enumerate(recommenders):
        organisation.kind = RECOMMENDER_KINDS[number % len(RECOMMENDER_KINDS)]
    reviewer = create_staff_user("bench-reviewer", PASSWORD, Role.REVIEWER, "基准测试评审组")
    application_ids = seed_applications(
        campaign, recommenders, candidates, reviewer.id, statuses=(ApplicationStatus.RECOMMENDED,)
    )
    seed_ranked_lists(campaign)
    seed_scores(campaign, application_ids, seed_experts(campaign), reviewer)
    seed_decisions(application_ids, reviewer)
    db.session.flush()
    return campaign


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start : start + BATCH])


def seed_ranked_lists(campaign: Campaign) -> None:
    """Each recommender's submitted list, ranking its candidates by scale in the order they were created.

    With thousands of candidates the ranks go far past the quota of 5: only the service checks it.
    """
    now = utcnow()
    recommender_ids = db.session.scalars(
        select(Application.recommender_id).distinct().where(Application.campaign_id == campaign.id)
    ).all()
    _insert(
        Recommendation,
        [
            {
                "campaign_id": campaign.id,
                "recommender_id": recommender_id,
                "submitted_at": now,
                "lead_department": "质量发展处",
                "responsible_person": "李处长",
                "contact_person": "赵敏",
                "contact_phone": "010-66668888",
                "contact_email": "bench@example.gov.cn",
            }
            for recommender_id in recommender_ids
        ],
    )
    recommendations = {
        recommender_id: recommendation_id
        for recommender_id, recommendation_id in db.session.execute(
            select(Recommendation.recommender_id, Recommendation.id).where(Recommendation.campaign_id == campaign.id)
        )
    }
    ranks = Counter()
    entries = []
    for application_id, recommender_id, scale in db.session.execute(
        select(Application.id, Application.recommender_id, Application.scale)
        .where(Application.campaign_id == campaign.id)
        .order_by(Application.id)
    ):
        ranks[recommender_id, scale] += 1
        entries.append(
            {
                "recommendation_id": recommendations[recommender_id],
                "application_id": application_id,
                "scale": scale,
                "rank": ranks[recommender_id, scale],
            }
        )
    _insert(RankingEntry, entries)


def seed_experts(campaign: Campaign) -> list[int]:
    """Expert accounts and profiles; they share one password hash, since hashing is slow by design."""
    password_hash = generate_password_hash(PASSWORD)
    _insert(
        User,
        [
            {
                "username": f"bench-expert{number:02d}",
                "password_hash": password_hash,
                "role": Role.EXPERT,
                "display_name": f"专家{number:02d}",
            }
            for number in range(EXPERTS)
        ],
    )
    user_ids = db.session.scalars(select(User.id).where(User.role == Role.EXPERT).order_by(User.id)).all()
    _insert(
        ExpertProfile,
        [
            {
                "user_id": user_id,
                "campaign_id": campaign.id,
                "organisation": f"基准计量研究院{number % 12:02d}",
                "region": PROVINCES[number % len(PROVINCES)],
            }
            for number, user_id in enumerate(user_ids)
        ],
    )
    return db.session.scalars(select(ExpertProfile.id).where(ExpertProfile.campaign_id == campaign.id)).all()


def seed_scores(campaign: Campaign, application_ids: list[int], expert_ids: list[int], reviewer: User) -> None:
    """Three submitted assignments per candidate, each with a score for every criterion of the rubric."""
    rng = random.Random(7)
    criteria = rubric(campaign)
    now = utcnow()
    for start in range(0, len(application_ids), BATCH):
        batch = [
            (application_id, expert_ids[((start + offset) * EXPERTS_PER_CANDIDATE + k) % len(expert_ids)])
            for offset, application_id in enumerate(application_ids[start : start + BATCH])
            for k in range(EXPERTS_PER_CANDIDATE)
        ]
        values = [{criterion.id: Decimal(rng.randint(55, 98)) for criterion in criteria} for _ in batch]
        assignments = [
            {
                "application_id": application_id,
                "expert_id": expert_id,
                "assigned_by_id": reviewer.id,
                "submitted_at": now,
                "total": weighted_total(criteria, scores),
                "opinion": rng.choice(list(ExpertOpinion)),
                "comment": "计量管理体系健全，典型做法具有推广价值。",
            }
            for (application_id, expert_id), scores in zip(batch, values, strict=True)
        ]
        assignment_ids = db.session.scalars(
            insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True), assignments
        ).all()
        db.session.execute(
            insert(Score),
            [
                {
                    "assignment_id": assignment_id,
                    "criterion_id": criterion.id,
                    "value": scores[criterion.id],
                    "comment": "资料齐全，现场核查与申报一致。" if criterion.position == 1 else None,
                }
                for assignment_id, scores in zip(assignment_ids, values, strict=True)
                for criterion in criteria
            ],
        )


def seed_decisions(application_ids: list[int], reviewer: User) -> None:
    _insert(
        Decision,
        [
            {
                "application_id": application_id,
                "outcome": DecisionOutcome.SELECTED if number % 5 == 0 else DecisionOutcome.NOT_SELECTED,
                "reason": "依据专家评审结果决定。",
                "decided_by_id": reviewer.id,
            }
            for number, application_id in enumerate(application_ids)
        ],
    )


# --- the floor: the export's cells, recorded, then written by bare XlsxWriter --------------------


class RecordedFormat:
    def __init__(self, properties: dict):
        self.properties = properties


class RecordedSheet:
    """Stands in for a worksheet: keeps every call (cells and layout) to replay on a real one."""

    def __init__(self, name: str):
        self.name = name
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, method: str):
        return lambda *args, **kwargs: self.calls.append((method, args, kwargs))


class RecordedWorkbook:
    def __init__(self):
        self.formats: list[RecordedFormat] = []
        self.sheets: list[RecordedSheet] = []

    def add_format(self, properties: dict) -> RecordedFormat:
        self.formats.append(RecordedFormat(properties))
        return self.formats[-1]

    def add_worksheet(self, name: str) -> RecordedSheet:
        self.sheets.append(RecordedSheet(name))
        return self.sheets[-1]

    def close(self) -> None:
        pass


def record_export(campaign: Campaign) -> RecordedWorkbook:
    recorded = RecordedWorkbook()
    with mock.patch.object(national_workbook, "new_workbook", lambda: (recorded, None)):
        national_workbook.write_national_workbook(campaign)
    return recorded


def time_floor(recorded: RecordedWorkbook, path: str) -> float:
    """Seconds for bare XlsxWriter (constant memory) to write the recorded cells and close the file.

    The workbook, its formats and sheets are made, and every call bound to the real worksheet,
    before the clock starts: what is timed is one XlsxWriter call per cell, and the file's writing.
    """
    workbook = xlsxwriter.Workbook(path, WORKBOOK_OPTIONS)
    formats = {
        id(recorded_format): workbook.add_format(recorded_format.properties) for recorded_format in recorded.formats
    }
    calls = []
    for recorded_sheet in recorded.sheets:
        sheet = workbook.add_worksheet(recorded_sheet.name)
        calls += [
            (
                getattr(sheet, method),
                tuple(formats.get(id(arg), arg) if isinstance(arg, RecordedFormat) else arg for arg in args),
                kwargs,
            )
            for method, args, kwargs in recorded_sheet.calls
        ]
    started = time.perf_counter()
    for write, args, kwargs in calls:
        write(*args, **kwargs)
    workbook.close()
    return time.perf_counter() - started


def cell_count(recorded: RecordedWorkbook) -> int:
    return sum(method.startswith("write_") for sheet in recorded.sheets for method, *_ in sheet.calls)


# --- measuring ----------------------------------------------------------------------------------


def time_export(campaign: Campaign) -> float:
    started = time.perf_counter()
    path = national_workbook.write_national_workbook(campaign)
    elapsed = time.perf_counter() - started
    os.remove(path)
    return elapsed


def _reset_peak_rss() -> None:
    """Make the peak resident set start again from the current one (Linux: /proc/self/clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # elsewhere the growth is measured from the process's peak so far


def _resident_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of this process.

    Not ``getrusage``: on Linux a child's ``ru_maxrss`` starts from its parent's at the fork, and
    this benchmark's parent holds every recorded cell.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith(f"{field}:"))


def export_memory(scratch: Path) -> dict:
    """Run in a fresh process: how far the export raises the resident set, then tracemalloc's peak.

    A first export fills SQLAlchemy's statement cache and SQLite's page cache; the second is measured.
    """
    app, _ = build_app(scratch)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        os.remove(national_workbook.write_national_workbook(campaign))
        _reset_peak_rss()
        resident_before = _resident_kb("VmRSS")
        os.remove(national_workbook.write_national_workbook(campaign))
        rss_growth = _resident_kb("VmHWM") - resident_before
        tracemalloc.start()
        os.remove(national_workbook.write_national_workbook(campaign))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"peak_mb": peak / MB, "rss_growth_mb": rss_growth * 1024 / MB}


def measure_memory_in_child(scratch: Path) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "bench.national", "--memory-only", str(scratch)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-only", metavar="SCRATCH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_only:
        print(json.dumps(export_memory(Path(args.memory_only))))
        return
    with tempfile.TemporaryDirectory() as scratch:
        app, url = build_app(Path(scratch))
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            campaign = seed_campaign(args.candidates)
            db.session.commit()
            analyse_tables()
            print(
                f"seeded {args.candidates} candidates in {time.perf_counter() - started:.1f} s on {url.split(':')[0]}"
            )
            statements: list[str] = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            time_export(campaign)  # warms SQLAlchemy's statement cache and the database's pages
            sql = len(statements)
            recorded = record_export(campaign)
            cells = cell_count(recorded)
            export, floor = [], []
            for _ in range(args.repeat):  # alternated, so a busy moment of the machine hits both alike
                export.append(time_export(campaign))
                floor.append(time_floor(recorded, str(Path(scratch) / "floor.xlsx")))
            del recorded
            db.session.commit()
            db.engine.dispose()  # SQLite checkpoints its write-ahead log when the last connection closes
        memory = measure_memory_in_child(Path(scratch))
        export_s, floor_s = min(export), min(floor)
        print(
            f"{'candidates':>10} {'cells':>10} {'SQL':>5} {'export s':>9} {'floor s':>8} {'ratio':>6} "
            f"{'peak MB':>8} {'RSS +MB':>8}"
        )
        print(
            f"{args.candidates:>10} {cells:>10} {sql:>5} {export_s:>9.2f} {floor_s:>8.2f} {export_s / floor_s:>6.2f} "
            f"{memory['peak_mb']:>8.2f} {memory['rss_growth_mb']:>8.1f}"
        )
        with app.app_context():
            db.drop_all()


if __name__ == "__main__":
    main()
