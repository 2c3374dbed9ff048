"""End-to-end fixtures: the portal served on a free local port, and headless Debian Chromium.

Run with ``python -m pytest tests/e2e``; set ``SCREENSHOT_DIR`` to keep a full-page screenshot
of each main step. CSRF stays enabled: the browser must post the tokens the pages render.
"""

import os
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.conftest import CHEAP_PASSWORD_HASH

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
HERE = Path(__file__).parent

# A minimal, valid one-page PDF: the portal checks an upload's content, not just its name.
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


def _seed(db):
    """An open campaign and two recommenders to choose from."""
    from portal.accounts.models import Organisation, OrganisationKind
    from portal.campaigns.services import create_campaign
    from portal.core.timeutil import utcnow

    now = utcnow()
    create_campaign(
        {
            "name": "测试批次",
            "year": 2026,
            "opens_at": now - timedelta(days=1),
            "closes_at": now + timedelta(days=10),
            "recommend_deadline": now + timedelta(days=20),
        },
        None,
    )
    db.session.add_all(
        [
            Organisation(name="北京市市场监督管理局", kind=OrganisationKind.MARKET_REGULATOR, region="北京市"),
            Organisation(name="中国计量测试学会", kind=OrganisationKind.ASSOCIATION, region="全国"),
        ]
    )
    db.session.commit()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("portal")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("INSTANCE_PATH", str(root / "instance"))  # read by create_app
        from portal import create_app
        from portal.core.extensions import db

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'portal.sqlite'}",
                "UPLOAD_FOLDER": str(root / "uploads"),
                "SECRET_KEY": "e2e",
                "TOTP_REQUIRED_ROLES": (),  # two factors are tested in tests/test_two_factor.py
                "TESTING": True,
                "PASSWORD_HASH_METHOD": CHEAP_PASSWORD_HASH,
                # The login throttle in Redis when TEST_REDIS_URL is set (see tests/conftest.py).
                "REDIS_URL": os.environ.get("TEST_REDIS_URL"),
                "REDIS_KEY_PREFIX": f"e2e:{uuid.uuid4().hex}:",
            }
        )
        assert app.config.get("WTF_CSRF_ENABLED", True), "e2e tests must run with CSRF protection on"
        with app.app_context():
            db.create_all()
            _seed(db)
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not found")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# --- axe-core on every page the journeys visit --------------------------------------------------------

AXE = Axe()  # axe-core as shipped inside axe-playwright-python: nothing is fetched at run time
FAILING_IMPACTS = {"serious", "critical"}
AXE_OPTIONS = {"resultTypes": ["violations"]}


# Known violations in templates another part of issue 13 owns, by (path, rule, target starting with):
# each is named here so it stays in sight; remove it when that template is fixed.
class AxeWatch:
    """Runs axe-core on each document a page loads (its ``load`` event) and keeps what it found.

    A check that a navigation interrupts is retried on the same address by a GET in a spare tab, so a
    page the test leaves at once is still checked; a page that only a POST shows (a preview, a form
    shown again) is checked when the test waits on it, as the journeys do before acting.
    """

    def __init__(self):
        self.checked: list[str] = []
        self.problems: list[str] = []
        self.interrupted: list[tuple[object, str]] = []
        self.pending = 0

    def attach(self, page) -> None:
        page.on("load", self._check)

    def _check(self, page) -> None:
        self.pending += 1
        url = page.url
        try:
            self._record(url, AXE.run(page, options=AXE_OPTIONS).response)
        except PlaywrightError:
            self.interrupted.append((page.context, url))
        finally:
            self.pending -= 1

    def _record(self, url: str, response: dict) -> None:
        path = "/" + url.split("/", 3)[-1] if url.startswith("http") else url
        self.checked.append(path)
        for violation in response.get("violations", []):
            if violation.get("impact") not in FAILING_IMPACTS:
                continue
            nodes = violation["nodes"]
            if nodes:
                targets = "; ".join(", ".join(map(str, node.get("target", []))) for node in nodes[:5])
                self.problems.append(
                    f"{path}: {violation['id']} ({violation['impact']}) {violation['help']} — {targets}"
                )

    def drain(self, context) -> None:
        """Let the checks under way finish, then retry the interrupted ones of ``context``, before it closes."""
        deadline = time.monotonic() + 20
        while self.pending and time.monotonic() < deadline:
            open_pages = [p for p in context.pages if not p.is_closed()]
            if not open_pages:
                break
            open_pages[0].wait_for_timeout(50)
        retry = [url for owner, url in self.interrupted if owner is context]
        self.interrupted = [(owner, url) for owner, url in self.interrupted if owner is not context]
        if not retry:
            return
        spare = context.new_page()
        spare.remove_listener("load", self._check)
        for url in dict.fromkeys(retry):
            response = spare.goto(url)
            if response is not None and response.ok:
                self._record(url, AXE.run(spare, options=AXE_OPTIONS).response)
        spare.close()


@pytest.fixture(autouse=True)
def axe_checked(request):
    """Every page of every browser context a test opens is checked by axe-core; serious or critical fails.

    Set ``AXE_REPORT`` to a file to append the pages checked (the README's list comes from it).
    """
    if not {"browser", "page"} & set(request.fixturenames):
        yield None
        return
    browser = request.getfixturevalue("browser")
    watch = AxeWatch()
    contexts = []
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        if kwargs.get("java_script_enabled") is False:
            return context  # axe-core is a script: the same pages are checked in the tests with JavaScript
        contexts.append(context)
        new_page, close = context.new_page, context.close

        def watched_page(*a, **k):
            page = new_page(*a, **k)
            watch.attach(page)
            return page

        def drained_close(*a, **k):
            watch.drain(context)
            return close(*a, **k)

        context.new_page, context.close = watched_page, drained_close
        return context

    def watched_new_page(*args, **kwargs):
        context = watched_context(
            **{k: v for k, v in kwargs.items() if k != "base_url"}, base_url=kwargs.get("base_url")
        )
        return context.new_page()

    browser.new_context, browser.new_page = watched_context, watched_new_page
    try:
        yield watch
        for context in contexts:
            try:
                watch.drain(context)
            except PlaywrightError:
                pass  # already closed (drained then)
    finally:
        del browser.new_context, browser.new_page
    if os.environ.get("AXE_REPORT"):
        with open(os.environ["AXE_REPORT"], "a", encoding="utf-8") as report:
            report.writelines(f"{request.node.name}\t{path}\n" for path in watch.checked)
    assert watch.checked or not contexts, "axe-core checked no page"
    assert not watch.problems, "axe-core found serious or critical violations:\n" + "\n".join(watch.problems)


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
        locale="zh-CN",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def pdf_file(tmp_path):
    """Make a small real PDF with the given file name; returns its path."""

    def make(name: str) -> Path:
        path = tmp_path / name
        path.write_bytes(MINIMAL_PDF)
        return path

    return make


@pytest.fixture
def screenshot():
    """``screenshot(page, "01_register")`` saves a full-page PNG when ``SCREENSHOT_DIR`` is set."""
    folder = os.environ.get("SCREENSHOT_DIR")

    def take(page, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=Path(folder) / f"{name}.png", full_page=True)

    return take
