"""Benchmark: the ZIP of N reviewers' dossiers (申报书 + 5 files each), against zipping the same files.

    python -m bench.dossier [--applications 200] [--files 5]

Seeds N recommended candidates, each with ``--files`` uploaded files of realistic size (scanned
PDFs of 1–3 pages, JPEG photos; hard links to a few source files, so the disk holds them once but
every file is read), then in two fresh child processes streams:

- ``dossiers``: ``GET /documents/candidates/dossiers.zip`` as a reviewer, through the app (WeasyPrint
  renders every 申报书, pypdf merges, zipfile streams);
- ``files``: the same uploaded files put in a ZIP the same way (``zip_stream``, DEFLATE level 1),
  no PDF work: the floor any "download everything" costs.

Each prints its wall time, time to the first byte, bytes sent and peak RSS (``ru_maxrss`` of the
child process, which includes WeasyPrint's and Pango's C memory) and its growth during the stream.
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
from pathlib import Path

SOURCE_FILES = [
    ("证书.pdf", "application/pdf", "certificate"),
    ("营业执照.jpg", "image/jpeg", "licence"),
    ("审核报告.pdf", "application/pdf", "report"),
    ("现场照片.jpg", "image/jpeg", "photo"),
    ("计量管理制度.pdf", "application/pdf", "rules"),
]


def build_app(scratch: Path):
    from portal import create_app

    os.environ.setdefault("INSTANCE_PATH", str(scratch / "instance"))
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch / 'bench.sqlite'}",
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": str(scratch / "uploads"),
        }
    )


def _scan(rng: random.Random, size=(1240, 1754)):
    """A page that compresses like a scan: noise on paper, some dark bands of 'text'."""
    from PIL import Image, ImageDraw, ImageFilter

    page = Image.effect_noise(size, 24).point(lambda value: 200 + value // 5).convert("RGB")
    draw = ImageDraw.Draw(page)
    for line in range(60, size[1] - 60, 38):
        draw.rectangle((100, line, 100 + rng.randint(500, size[0] - 200), line + 14), fill=(60, 60, 60))
    return page.filter(ImageFilter.GaussianBlur(0.6))


def make_sources(folder: Path) -> dict[str, Path]:
    """The five source files: PDFs of 3, 2 and 1 scanned pages (150 dpi JPEG) and two JPEG photos."""
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    pages = {"certificate": 3, "report": 2, "rules": 1}
    paths = {}
    for _name, _content_type, key in SOURCE_FILES:
        path = folder / f"source-{key}"
        if key in pages:
            images = [_scan(rng) for _ in range(pages[key])]
            images[0].save(path, format="PDF", resolution=150, save_all=True, append_images=images[1:], quality=70)
        else:
            _scan(rng, (2000, 1500)).save(path, format="JPEG", quality=80)
        paths[key] = path
    return paths


def seed(scratch: Path, count: int, files: int) -> None:
    from bench.seed import PASSWORD, make_campaign, make_recommenders, seed_applications
    from portal.accounts.models import Role
    from portal.accounts.services import create_staff_user
    from portal.applications.models import Application, ApplicationStatus, Attachment, AttachmentKind
    from portal.core.extensions import db
    from portal.files import StoredFile

    app = build_app(scratch)
    uploads = scratch / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    sources = make_sources(scratch / "sources")
    with app.app_context():
        db.create_all()
        campaign = make_campaign()
        recommenders = make_recommenders(10)
        reviewer = create_staff_user("bench-reviewer", PASSWORD, Role.REVIEWER, "基准测试评审")
        ids = seed_applications(campaign, recommenders, count, reviewer.id, statuses=(ApplicationStatus.RECOMMENDED,))
        for application_id in ids:
            application = db.session.get(Application, application_id)
            for number, (name, content_type, key) in enumerate(SOURCE_FILES[:files]):
                stored_name = f"{application_id}-{key}"
                os.link(sources[key], uploads / stored_name)
                stored = StoredFile(
                    stored_name=stored_name,
                    original_name=name,
                    content_type=content_type,
                    size=sources[key].stat().st_size,
                    uploaded_by_id=reviewer.id,
                    application_id=application_id,
                )
                db.session.add(stored)
                db.session.flush()
                if number == 0:
                    application.certifications[0].certificate_file_id = stored.id
                else:
                    kind = AttachmentKind.BUSINESS_LICENCE if key == "licence" else AttachmentKind.OTHER
                    db.session.add(Attachment(application_id=application_id, kind=kind, description=None, file=stored))
        db.session.commit()
    total = sum(path.stat().st_size for path in sources.values())
    print(f"seeded {count} candidates x {files} files ({total / 1e6:.1f} MB of files per candidate)", flush=True)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(scratch: Path, mode: str) -> dict:
    """Stream one ZIP and report (runs in a fresh process, so ru_maxrss is this ZIP's)."""
    from portal.core.extensions import db
    from portal.documents.zipstream import zip_stream
    from portal.files import StoredFile

    app = build_app(scratch)
    with app.app_context():
        # Warm up: import WeasyPrint and its fonts, as a running server would have.
        from portal.documents.pdf import _weasyprint

        _weasyprint().HTML(string="<p>预热</p>").write_pdf()
        if mode == "files":
            rows = db.session.execute(
                db.select(StoredFile.application_id, StoredFile.original_name, StoredFile.stored_name)
                .where(StoredFile.application_id.is_not(None))
                .order_by(StoredFile.application_id, StoredFile.id)
            ).all()
            folder = Path(app.config["UPLOAD_FOLDER"])
            members = [
                (f"{application_id:05d}/{name}", lambda stored=stored: (folder / stored).read_bytes())
                for application_id, name, stored in rows
            ]
        baseline = _rss_mb()
    client = app.test_client()
    if mode == "dossiers":
        from bench.seed import PASSWORD

        client.post("/account/login", data={"username": "bench-reviewer", "password": PASSWORD})
    started = time.perf_counter()
    first = None
    sent = 0
    if mode == "dossiers":
        response = client.get("/documents/candidates/dossiers.zip")
        assert response.status_code == 200, response.status_code
        chunks = response.iter_encoded()
    else:
        context = app.app_context()
        context.push()
        chunks = zip_stream(members)
    for chunk in chunks:
        if first is None:
            first = time.perf_counter() - started
        sent += len(chunk)
    elapsed = time.perf_counter() - started
    return {
        "mode": mode,
        "seconds": round(elapsed, 1),
        "first_byte_s": round(first or 0, 2),
        "megabytes": round(sent / 1e6, 1),
        "peak_rss_mb": round(_rss_mb(), 0),
        "rss_growth_mb": round(_rss_mb() - baseline, 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=200)
    parser.add_argument("--files", type=int, default=5, choices=range(1, len(SOURCE_FILES) + 1))
    parser.add_argument("--measure", choices=["dossiers", "files"], help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.scratch), args.measure)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-dossier-") as scratch:
        seed(Path(scratch), args.applications, args.files)
        results = {}
        for mode in ("files", "dossiers"):
            output = subprocess.run(
                [sys.executable, "-m", "bench.dossier", "--measure", mode, "--scratch", scratch],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            results[mode] = json.loads(output.strip().splitlines()[-1])
            print(results[mode], flush=True)
        ratio = results["dossiers"]["seconds"] / max(results["files"]["seconds"], 0.01)
        print(f"dossiers / files: {ratio:.1f}x the time")


if __name__ == "__main__":
    main()
