"""Browser tests: a real server, a real SMTP server and Debian's Chromium driven by Playwright.

How to write one (see tests/e2e/test_foundation.py for a full walk):

    from tests.factories import make_user, make_organisation

    def test_owner_sees_pending_badge(live_server, e2e_db, page, login, screenshot):
        owner = make_user()                      # e2e_db pushed an app context: factories just work
        org = make_organisation(owner, status=OrganisationStatus.PENDING)
        login(page, owner)                       # through the real login form
        page.goto(live_server.url + f"/organisations/{org.id}")
        expect(page.get_by_text("待审核")).to_be_visible()
        screenshot(page, "org-pending")          # test-artifacts/screenshots/org-pending.png

Fixtures
- `live_server` (session): `.url` ("http://127.0.0.1:PORT", no trailing slash) and `.app`.
  One app for the whole run, on a fresh migrated SQLite file (not the db-parametrised `app`
  fixture: browser tests run once). CSRF is ON: submit the real forms.
- `e2e_db`: use it in every browser test. It pushes `live_server.app.app_context()` for the
  test, so factories and `db.session` work directly; after the test it empties every table,
  resets the rate limiter and forgets received mail. Rows the browser changed are stale in
  the test's session: call `e2e_db.fresh()` (expires the session) before reading them.
  Commit what you make (factories do): the server reads through its own connections.
- `deliver_mail(to=None)`: sends the outbox (`notify.services.deliver_pending`) to the SMTP
  server and returns the messages received so far (only those to `to` when given).
  `mail_link(message, contains="")` (a plain function in tests/e2e/helpers.py) picks a link
  out of a mail body; `SMTPServer.body(message)` gives the text.
- `browser` (session): Chromium. Missing Chromium skips the tests, or fails them when
  REQUIRE_BROWSER=1. Never run `playwright install`.
- `page`: desktop 1280x800, `phone_page`: 390x844 touch phone; both a fresh context per test
  with locale zh-CN (Chinese pages by default), a 15 s default timeout (10 s for
  `expect`), and a check that no Content-Security-Policy violation was logged.
- `login(page, user_or_email, password=PASSWORD)`: logs in through the form.
- `screenshot(page, name)`: full-page PNG in test-artifacts/screenshots/NAME.png (gitignored);
  returns the path. A failing test also leaves FAILED-<test>.png there.

Every test in tests/e2e/ is marked `e2e` (`pytest -m e2e`, or `-m "not e2e"` to leave them out).
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import WSGIRequestHandler, make_server

from marketplace.extensions import db, limiter
from tests.conftest import make_test_app
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
]
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, so `page` can screenshot a failed test.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- the server --------------------------------------------------------------------------

class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):  # one line per request drowns the test output
        pass


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, smtp_server) -> Iterator[LiveServer]:
    database_url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.db'}"
    # Bind first (port 0: no race for a free port), then tell the app its public address.
    app = make_test_app(database_url, tmp_path_factory, smtp_server.port,
                        WTF_CSRF_ENABLED=True, PUBLIC_BASE_URL="http://127.0.0.1",
                        SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False,
                        PREFERRED_URL_SCHEME="http",
                        # Flask-Mail swallows mail when TESTING; these tests read the SMTP server.
                        MAIL_SUPPRESS_SEND=False)
    with app.app_context():
        upgrade()
        # WAL: the test's reads never block the server's writes (and the other way round).
        db.session.execute(text("PRAGMA journal_mode=WAL"))
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True,
                         request_handler=_QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=url, app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)


class E2EData:
    """The test's handle on the live server's database (see the module docstring)."""

    def __init__(self, app: Flask):
        self.app = app

    @property
    def session(self):
        return db.session

    def fresh(self) -> None:
        """Forget loaded rows, so the next read sees what the browser changed."""
        db.session.rollback()
        db.session.expire_all()


def _empty_tables() -> None:
    # Every table, children first (on SQLite a DELETE of an empty table costs next to nothing,
    # so the write log of tests/conftest.py is not needed here).
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def e2e_db(live_server, smtp_server) -> Iterator[E2EData]:
    ctx = live_server.app.app_context()
    ctx.push()
    limiter.reset()
    with smtp_server.lock:
        smtp_server.messages.clear()
    try:
        yield E2EData(live_server.app)
    finally:
        db.session.remove()
        _empty_tables()
        db.session.remove()
        ctx.pop()
        limiter.reset()


@pytest.fixture
def deliver_mail(live_server, smtp_server):
    """`deliver_mail(to=None)` sends the outbox and returns the mail received (to `to`)."""
    from marketplace.notify.services import deliver_pending

    def _deliver(to: str | None = None):
        with live_server.app.app_context():
            deliver_pending()
            db.session.remove()
        with smtp_server.lock:
            messages = list(smtp_server.messages)
        if to is None:
            return messages
        return [m for m in messages if to.casefold() in str(m["To"]).casefold()]

    return _deliver


# --- the browser -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(executable):
        message = "Chromium is not installed (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)  # the machine is shared; 5 s is tight under load
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _open_page(browser, request, **context_options):
    # Reduced motion turns off Bootstrap's collapse and fade transitions (it honours the media
    # query), so a click never lands on a menu that is still sliding open.
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  reduced_motion="reduce", **context_options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    csp_violations: list[str] = []
    page.on("console", lambda msg: csp_violations.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    return context, page, csp_violations


def _close_page(context, page, request, csp_violations):
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        # A crashed page must not hide the test's own failure.
        with contextlib.suppress(Exception):
            save_screenshot(page, f"FAILED-{request.node.name}")
    context.close()
    if csp_violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(csp_violations))


@pytest.fixture
def page(browser, request):
    context, page, violations = _open_page(browser, request,
                                           viewport={"width": 1280, "height": 800})
    yield page
    _close_page(context, page, request, violations)


@pytest.fixture
def phone_page(browser, request):
    context, page, violations = _open_page(
        browser, request, viewport={"width": 390, "height": 844}, is_mobile=True,
        has_touch=True)
    yield page
    _close_page(context, page, request, violations)


def save_screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot():
    """`screenshot(page, name)` -> Path of test-artifacts/screenshots/NAME.png."""
    return save_screenshot


@pytest.fixture
def login(live_server):
    """`login(page, user_or_email, password=PASSWORD)`: log in through the real form."""

    def _login(page, user, password: str = PASSWORD):
        email = user if isinstance(user, str) else user.email
        page.goto(live_server.url + "/login")
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        if "/login" in page.url:
            raise AssertionError(f"login as {email} failed: {page.url}")
        return page

    return _login
